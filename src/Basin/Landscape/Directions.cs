using System.Numerics;
using Basin.Engine;
using Basin.Tensors;

namespace Basin.Landscape;

/// <summary>How a direction is scaled to the weights it perturbs (Li et al. 2018).</summary>
public enum Normalization { Filter, Layer, Weight, None }

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
    /// per tensor; weight: d * |theta| elementwise. With <paramref name="ignoreBias"/> the bias directions are zero;
    /// otherwise, under filter normalization, a bias direction is the bias itself, as in loss-landscape.
    /// </summary>
    public static void Normalize<T>(Span<T> d, ReadOnlySpan<T> theta, ParameterLayout layout, Normalization norm, bool ignoreBias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var t in layout.Tensors)
        {
            var dt = d.Slice(t.Offset, t.Length);
            var wt = theta.Slice(t.Offset, t.Length);
            if (t.IsBias && ignoreBias) { dt.Clear(); continue; }
            switch (norm)
            {
                case Normalization.Filter when t.IsBias:
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
