using System.Numerics;

namespace Basin.Engine.Losses;

/// <summary>
/// l = (1/C) ||z - t||^2 per example, so the mean over examples is PyTorch's MSELoss() (mean over all
/// N*C elements). dl/dz = (2/C)(z - t); the Hessian is (2/C) I. Labels become one-hot targets.
/// </summary>
internal sealed class MeanSquaredError<T> : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Name => "mse";

    public override double Forward(ReadOnlySpan<T> z, Targets<T> targets, int start, int batch, int width, Span<T> dz)
    {
        if (targets.Values is not null && targets.Width != width)
            throw new BasinException("loss", $"mse targets have {targets.Width} values per example but the network outputs {width}");
        Span<T> t = width <= 256 ? stackalloc T[width] : new T[width];
        T scale = (T.One + T.One) / T.CreateChecked(width);
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            targets.Row(start + b, t);
            var row = z.Slice(b * width, width);
            T sum = T.Zero;
            for (int j = 0; j < width; j++)
            {
                T e = row[j] - t[j];
                sum += e * e;
                if (!dz.IsEmpty) dz[b * width + j] = scale * e;
            }
            total += double.CreateTruncating(sum) / width;
        }
        return total;
    }

    public override void HessianProduct(ReadOnlySpan<T> z, ReadOnlySpan<T> rz, Span<T> hz, int batch, int width)
    {
        T scale = (T.One + T.One) / T.CreateChecked(width);
        for (int i = 0; i < batch * width; i++) hz[i] = scale * rz[i];
    }

    public override double Curvature(ReadOnlySpan<T> z, ReadOnlySpan<T> rz, int batch, int width) =>
        2.0 / width * double.CreateTruncating(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(rz[..(batch * width)]));
}
