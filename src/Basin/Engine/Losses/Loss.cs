using System.Numerics;
using System.Numerics.Tensors;

namespace Basin.Engine.Losses;

/// <summary>
/// A per-example loss l_i(z_i) on the network output; the objective is the mean over examples. Passes work
/// on a batch of outputs and write derivatives of the batch sum, so shards can be summed and divided by N.
/// </summary>
internal abstract class Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public abstract string Name { get; }

    /// <summary>Sum of l_i over the batch (float64); writes dz = dl_i/dz_i when dz is not empty.</summary>
    public abstract double Forward(ReadOnlySpan<T> z, Targets<T> targets, int start, int batch, int width, Span<T> dz);

    /// <summary>hz_i = (d^2 l_i / dz_i^2) rz_i for every example of the batch.</summary>
    public abstract void HessianProduct(ReadOnlySpan<T> z, ReadOnlySpan<T> rz, Span<T> hz, int batch, int width);

    /// <summary>sum_i rz_i^T (d^2 l_i / dz_i^2) rz_i over the batch, in float64.</summary>
    public abstract double Curvature(ReadOnlySpan<T> z, ReadOnlySpan<T> rz, int batch, int width);

    /// <summary>Examples of the batch whose arg-max output equals the label.</summary>
    public static int Correct(ReadOnlySpan<T> z, ReadOnlySpan<int> labels, int batch, int width)
    {
        int correct = 0;
        for (int b = 0; b < batch; b++)
            if (TensorPrimitives.IndexOfMax(z.Slice(b * width, width)) == labels[b]) correct++;
        return correct;
    }

    public static Loss<T> Create(string name) => name.ToLowerInvariant() switch
    {
        "ce" or "cross-entropy" or "crossentropy" => new CrossEntropy<T>(),
        "mse" => new MeanSquaredError<T>(),
        _ => throw new BasinException("loss", $"unknown loss '{name}'", "use ce (cross-entropy) or mse"),
    };
}
