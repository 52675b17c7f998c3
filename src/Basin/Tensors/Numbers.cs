using System.Numerics;
using System.Numerics.Tensors;

namespace Basin.Tensors;

/// <summary>Vectors between float64 (the estimators' and paths' coordinates) and the engine's T, rounding to nearest.</summary>
internal static class Numbers
{
    public static T[] To<T>(ReadOnlySpan<double> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new T[x.Length];
        TensorPrimitives.ConvertTruncating(x, r.AsSpan());
        return r;
    }

    public static double[] ToDouble<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new double[x.Length];
        TensorPrimitives.ConvertTruncating(x, r.AsSpan());
        return r;
    }
}
