using System.Numerics;
using Basin.Engine;
using Basin.Tensors;

namespace Basin.Landscape;

/// <summary>How a direction is scaled to the weights it perturbs (Li et al. 2018).</summary>
public enum Normalization { Filter, Layer, Weight, None }

/// <summary>
/// Which one-dimensional tensors a direction leaves at zero: <c>Bias</c> the biases of linear and conv layers;
/// <c>BiasBn</c> every one-dimensional tensor, BatchNorm's weight and bias too (loss-landscape's biasbn, the default for
/// models with BatchNorm); <c>None</c> none. Under filter normalization a one-dimensional tensor not ignored takes
/// the weights themselves, as loss-landscape does.
/// </summary>
public enum Ignore { Bias, BiasBn, None }

/// <summary>
/// Directions in parameter space: seeded Gaussian directions (one tensor per parameter tensor, in key order), their
/// normalization to the weights, Gram-Schmidt against another direction, and differences of weight vectors.
/// </summary>
internal static class Directions
{
    public static Normalization ParseNormalization(string text) => text.ToLowerInvariant() switch
    {
        "filter" => Normalization.Filter,
        "layer" => Normalization.Layer,
        "weight" => Normalization.Weight,
        "none" => Normalization.None,
        _ => throw new BasinException("{norm}", $"unknown normalization '{text}'", "use filter, layer, weight or none"),
    };

    public static Ignore ParseIgnore(string text) => text.ToLowerInvariant() switch
    {
        "bias" => Ignore.Bias,
        "biasbn" => Ignore.BiasBn,
        "none" => Ignore.None,
        _ => throw new BasinException("{ignore}", $"unknown value '{text}'", "use bias, biasbn or none"),
    };

    /// <summary>The default for a model: biasbn when it has BatchNorm (loss-landscape's choice for such models), else bias.</summary>
    public static Ignore DefaultIgnore(ParameterLayout layout) => layout.Tensors.Any(t => t.IsNormalization) ? Ignore.BiasBn : Ignore.Bias;

    /// <summary>A Gaussian direction N(0, 1) per entry, drawn tensor by tensor in layout order.</summary>
    public static T[] Random<T>(ParameterLayout layout, ulong seed, ulong stream) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng(seed, 0xD1EC7000UL + stream);
        var d = new T[layout.Count];
        for (int i = 0; i < d.Length; i++) d[i] = T.CreateChecked(rng.NextGaussian());
        return d;
    }

    /// <summary>
    /// Scales d to theta in place. Filter: every output row of a linear weight and every output filter of a conv
    /// weight becomes d_i / (||d_i|| + 1e-10) * ||theta_i|| (loss-landscape's normalize_direction); layer: the same
    /// per tensor; weight: d * |theta| elementwise. Tensors <paramref name="ignore"/> names are zero; under filter
    /// normalization any other one-dimensional tensor (a bias, BatchNorm's weight) is the weights themselves, as in loss-landscape.
    /// </summary>
    public static void Normalize<T>(Span<T> d, ReadOnlySpan<T> theta, ParameterLayout layout, Normalization norm, Ignore ignore)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var t in layout.Tensors)
        {
            var dt = d.Slice(t.Offset, t.Length);
            var wt = theta.Slice(t.Offset, t.Length);
            if ((ignore == Ignore.Bias && t.IsBias) || (ignore == Ignore.BiasBn && t.IsOneDimensional)) { dt.Clear(); continue; }
            switch (norm)
            {
                case Normalization.Filter when t.IsOneDimensional:
                    wt.CopyTo(dt);
                    break;
                case Normalization.Filter:
                    int rows = t.Shape[0], size = t.Length / rows;
                    for (int r = 0; r < rows; r++) ScaleTo(dt.Slice(r * size, size), wt.Slice(r * size, size));
                    break;
                case Normalization.Layer:
                    ScaleTo(dt, wt);
                    break;
                case Normalization.Weight:
                    for (int i = 0; i < dt.Length; i++) dt[i] *= T.Abs(wt[i]);
                    break;
            }
        }
    }

    static void ScaleTo<T>(Span<T> d, ReadOnlySpan<T> w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T scale = Norm<T>(w) / (Norm<T>(d) + T.CreateChecked(1e-10));
        for (int i = 0; i < d.Length; i++) d[i] *= scale;
    }

    public static T Norm<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double s = 0;
        foreach (var v in x) s += double.CreateTruncating(v) * double.CreateTruncating(v);
        return T.CreateChecked(Math.Sqrt(s));
    }

    /// <summary>y &lt;- y - (y.x / x.x) x, so y is orthogonal to x.</summary>
    public static void Orthogonalize<T>(Span<T> y, ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double xy = 0, xx = 0;
        for (int i = 0; i < x.Length; i++)
        {
            xy += double.CreateTruncating(x[i] * y[i]);
            xx += double.CreateTruncating(x[i] * x[i]);
        }
        if (xx == 0) return;
        T c = T.CreateChecked(xy / xx);
        for (int i = 0; i < x.Length; i++) y[i] -= c * x[i];
    }

    /// <summary>b - a.</summary>
    public static T[] Difference<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var d = new T[a.Length];
        for (int i = 0; i < d.Length; i++) d[i] = b[i] - a[i];
        return d;
    }
}
