using System.Globalization;
using Basin.Tensors;

namespace Basin.Data;

/// <summary>
/// Seeded synthetic data sets. A name may carry options: <c>teacher-student(d=10,width=4,out=1,noise=0,seed=0)</c>,
/// <c>gaussian-mixture(d=2,classes=3,separation=3)</c>, <c>random-labels(d=20,classes=10)</c>,
/// <c>spirals(turns=2,noise=0.1)</c>. Train and test are independent draws from the same distribution.
/// </summary>
internal static class Synthetic
{
    public static readonly string[] Names = ["teacher-student", "gaussian-mixture", "random-labels", "spirals"];

    /// <summary>"kind(k=v,...)" into the kind and its options.</summary>
    public static (string Kind, Dictionary<string, double> Options) SplitName(string name)
    {
        var options = new Dictionary<string, double>();
        int open = name.IndexOf('(');
        if (open < 0) return (name.Trim(), options);
        if (!name.EndsWith(')'))
            throw new BasinException("{data}", $"'{name}': expected ')' at the end", "e.g. teacher-student(d=10,width=4)");
        foreach (var part in name[(open + 1)..^1].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=');
            if (kv.Length != 2 || !double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                throw new BasinException("{data}", $"'{part.Trim()}' in '{name}' is not key=number");
            options[kv[0].Trim().ToLowerInvariant()] = v;
        }
        return (name[..open].Trim(), options);
    }

    static int Int(Dictionary<string, double> o, string key, int fallback)
    {
        double v = o.GetValueOrDefault(key, fallback);
        if (v < 1 || v != Math.Floor(v)) throw new BasinException("{data}", $"option {key}={v} must be a positive integer");
        return (int)v;
    }

    public static DataSet Create(string kind, Dictionary<string, double> o, string split, int n)
    {
        ulong seed = (ulong)o.GetValueOrDefault("seed", 0);
        var rng = new Rng(seed, split == "train" ? 1UL : 2UL);
        foreach (var key in o.Keys)
            if (!Allowed(kind).Contains(key))
                throw new BasinException("{data}", $"{kind} has no option '{key}'", "options: " + string.Join(", ", Allowed(kind)));
        return kind switch
        {
            "teacher-student" => TeacherStudent(o, n, seed, rng),
            "gaussian-mixture" => GaussianMixture(o, n, seed, rng),
            "random-labels" => RandomLabels(o, n, rng),
            _ => Spirals(o, n, rng),
        };
    }

    static string[] Allowed(string kind) => kind switch
    {
        "teacher-student" => ["d", "width", "out", "noise", "seed"],
        "gaussian-mixture" => ["d", "classes", "separation", "seed"],
        "random-labels" => ["d", "classes", "seed"],
        _ => ["turns", "noise", "seed"],
    };

    static float[] Gaussian(Rng rng, int count, double scale = 1)
    {
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float)(scale * rng.NextGaussian());
        return x;
    }

    /// <summary>x ~ N(0, I_d); y = W2 relu(W1 x) + noise with a fixed random teacher (weights N(0, 1/fan_in)).</summary>
    static DataSet TeacherStudent(Dictionary<string, double> o, int n, ulong seed, Rng rng)
    {
        int d = Int(o, "d", 10), width = Int(o, "width", 4), outputs = Int(o, "out", 1);
        double noise = o.GetValueOrDefault("noise", 0);
        var teacher = new Rng(seed, 0);
        var w1 = new double[width * d];
        var w2 = new double[outputs * width];
        for (int i = 0; i < w1.Length; i++) w1[i] = teacher.NextGaussian() / Math.Sqrt(d);
        for (int i = 0; i < w2.Length; i++) w2[i] = teacher.NextGaussian() / Math.Sqrt(width);
        var x = Gaussian(rng, n * d);
        var y = new float[n * outputs];
        var h = new double[width];
        for (int s = 0; s < n; s++)
        {
            for (int j = 0; j < width; j++)
            {
                double z = 0;
                for (int k = 0; k < d; k++) z += w1[j * d + k] * x[s * d + k];
                h[j] = Math.Max(z, 0);
            }
            for (int j = 0; j < outputs; j++)
            {
                double z = 0;
                for (int k = 0; k < width; k++) z += w2[j * width + k] * h[k];
                y[s * outputs + j] = (float)(z + noise * rng.NextGaussian());
            }
        }
        return new DataSet("teacher-student", [d], x, null, 0, y, outputs);
    }

    /// <summary>Class means drawn once from N(0, separation^2 I); points = mean of a uniform class + N(0, I).</summary>
    static DataSet GaussianMixture(Dictionary<string, double> o, int n, ulong seed, Rng rng)
    {
        int d = Int(o, "d", 2), classes = Int(o, "classes", 3);
        double separation = o.GetValueOrDefault("separation", 3);
        var means = Gaussian(new Rng(seed, 0), classes * d, separation);
        var x = new float[n * d];
        var labels = new int[n];
        for (int s = 0; s < n; s++)
        {
            int c = labels[s] = rng.NextInt(classes);
            for (int k = 0; k < d; k++) x[s * d + k] = means[c * d + k] + (float)rng.NextGaussian();
        }
        return new DataSet("gaussian-mixture", [d], x, labels, classes);
    }

    /// <summary>x ~ N(0, I_d) with labels uniform and independent of x: only memorization fits them.</summary>
    static DataSet RandomLabels(Dictionary<string, double> o, int n, Rng rng)
    {
        int d = Int(o, "d", 20), classes = Int(o, "classes", 10);
        var x = Gaussian(rng, n * d);
        var labels = new int[n];
        for (int s = 0; s < n; s++) labels[s] = rng.NextInt(classes);
        return new DataSet("random-labels", [d], x, labels, classes);
    }

    /// <summary>Two interleaved spirals in the plane, one per class.</summary>
    static DataSet Spirals(Dictionary<string, double> o, int n, Rng rng)
    {
        double turns = o.GetValueOrDefault("turns", 2), noise = o.GetValueOrDefault("noise", 0.1);
        var x = new float[n * 2];
        var labels = new int[n];
        for (int s = 0; s < n; s++)
        {
            int c = labels[s] = rng.NextInt(2);
            double t = rng.NextDouble();
            double angle = 2 * Math.PI * turns * t + c * Math.PI;
            x[2 * s] = (float)(t * Math.Cos(angle) + noise * rng.NextGaussian());
            x[2 * s + 1] = (float)(t * Math.Sin(angle) + noise * rng.NextGaussian());
        }
        return new DataSet("spirals", [2], x, labels, 2);
    }
}
