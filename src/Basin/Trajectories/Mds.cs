using MathNet.Numerics.LinearAlgebra;

namespace Basin.Trajectories;

/// <summary>A 2D embedding of points with its stress sum_{i&lt;j} (||x_i - x_j|| - delta_ij)^2 after every iteration.</summary>
internal sealed record Embedding(double[][] Points, double[] StressHistory)
{
    public double Stress => StressHistory[^1];
}

/// <summary>
/// Multidimensional scaling of checkpoints (Liao and Poggio's Theory II figures): classical (Torgerson) MDS from
/// double-centred squared distances, and SMACOF (de Leeuw), which lowers the raw stress monotonically from there.
/// </summary>
internal static class Mds
{
    /// <summary>Pairwise Euclidean distances of parameter vectors.</summary>
    public static double[,] Distances(IReadOnlyList<double[]> points)
    {
        int n = points.Count;
        var d = new double[n, n];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
        {
            double s = 0;
            var a = points[i];
            var b = points[j];
            for (int k = 0; k < a.Length; k++) { double e = a[k] - b[k]; s += e * e; }
            d[i, j] = d[j, i] = Math.Sqrt(s);
        }
        return d;
    }

    public static Embedding Classical(double[,] delta, int dimensions = 2)
    {
        int n = delta.GetLength(0);
        var b = Matrix<double>.Build.Dense(n, n, (i, j) => -0.5 * delta[i, j] * delta[i, j]);
        var rowMean = b.RowSums() / n;
        double mean = rowMean.Sum() / n;
        var centred = Matrix<double>.Build.Dense(n, n, (i, j) => b[i, j] - rowMean[i] - rowMean[j] + mean);
        var evd = centred.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, n).OrderByDescending(i => evd.EigenValues[i].Real).Take(dimensions).ToArray();
        var points = new double[n][];
        for (int i = 0; i < n; i++)
            points[i] = order.Select(k => evd.EigenVectors[i, k] * Math.Sqrt(Math.Max(0, evd.EigenValues[k].Real))).ToArray();
        return new Embedding(points, [Stress(points, delta)]);
    }

    /// <summary>
    /// SMACOF from the classical solution: Guttman transforms x_i &lt;- (1/n) sum_{j != i} (delta_ij / d_ij)(x_i - x_j)
    /// (unit weights, centred configurations) until the stress stops falling; each transform never raises it.
    /// </summary>
    public static Embedding Smacof(double[,] delta, int iterations = 300, double tolerance = 1e-9)
    {
        int n = delta.GetLength(0);
        var x = Classical(delta).Points;
        var history = new List<double> { Stress(x, delta) };
        for (int it = 0; it < iterations; it++)
        {
            var next = new double[n][];
            for (int i = 0; i < n; i++)
            {
                next[i] = new double[x[i].Length];
                for (int j = 0; j < n; j++)
                {
                    if (i == j) continue;
                    double d = Distance(x[i], x[j]);
                    double ratio = d > 0 ? delta[i, j] / d : 0;
                    for (int k = 0; k < x[i].Length; k++) next[i][k] += ratio * (x[i][k] - x[j][k]);
                }
                for (int k = 0; k < x[i].Length; k++) next[i][k] /= n;
            }
            x = next;
            history.Add(Stress(x, delta));
            if (history[^2] - history[^1] <= tolerance * Math.Max(1, history[^2])) break;
        }
        return new Embedding(x, [.. history]);
    }

    static double Distance(double[] a, double[] b)
    {
        double s = 0;
        for (int k = 0; k < a.Length; k++) s += (a[k] - b[k]) * (a[k] - b[k]);
        return Math.Sqrt(s);
    }

    /// <summary>Kruskal's stress-1, sqrt(stress / sum_{i&lt;j} delta_ij^2): 0 is a perfect embedding, above about 0.2 a poor one.</summary>
    public static double KruskalStress(double stress, double[,] delta)
    {
        double s = 0;
        for (int i = 0; i < delta.GetLength(0); i++)
        for (int j = 0; j < i; j++) s += delta[i, j] * delta[i, j];
        return Math.Sqrt(stress / s);
    }

    public static double Stress(double[][] x, double[,] delta)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        for (int j = 0; j < i; j++)
        {
            double e = Distance(x[i], x[j]) - delta[i, j];
            s += e * e;
        }
        return s;
    }
}
