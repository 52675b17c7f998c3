using MathNet.Numerics.Distributions;

namespace Basin.Experiments;

/// <summary>
/// Means over seeds with their spread and Student-t 95 % intervals, and the verdict rule the experiments share: a claim
/// that a quantity is larger under one condition than under another holds when the 95 % interval of the difference lies
/// above zero, fails when it lies below, and is inconclusive when it contains zero.
/// </summary>
internal static class Statistics
{
    public static double Mean(IReadOnlyList<double> x) => x.Average();

    public static double Median(IReadOnlyList<double> x)
    {
        var sorted = x.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }

    /// <summary>The sample standard deviation (n - 1); 0 for a single value.</summary>
    public static double Spread(IReadOnlyList<double> x)
    {
        if (x.Count < 2) return 0;
        double mean = Mean(x);
        return Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / (x.Count - 1));
    }

    /// <summary>The 95 % interval of the mean (Student t with n - 1 degrees of freedom); the value itself for n = 1.</summary>
    public static (double Low, double High) Interval(IReadOnlyList<double> x)
    {
        double half = x.Count < 2 ? 0 : StudentT.InvCDF(0, 1, x.Count - 1, 0.975) * Spread(x) / Math.Sqrt(x.Count);
        return (Mean(x) - half, Mean(x) + half);
    }

    /// <summary>Per-seed differences a_i - b_i of measurements paired by seed.</summary>
    public static double[] Differences(IReadOnlyList<double> a, IReadOnlyList<double> b) => a.Zip(b, (x, y) => x - y).ToArray();

    /// <summary>Holds when the interval lies above zero, Fails when below, Inconclusive otherwise.</summary>
    public static Verdict Positive((double Low, double High) interval) =>
        interval.Low > 0 ? Verdict.Holds : interval.High < 0 ? Verdict.Fails : Verdict.Inconclusive;

    /// <summary>"mean +- spread (n = k)" with four significant digits.</summary>
    public static string Text(IReadOnlyList<double> x) =>
        x.Count == 1 ? Format(x[0]) : $"{Format(Mean(x))} +- {Format(Spread(x))} (n = {x.Count})";

    public static string Text((double Low, double High) interval) => $"[{Format(interval.Low)}, {Format(interval.High)}]";

    static string Format(double v) => v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture);
}
