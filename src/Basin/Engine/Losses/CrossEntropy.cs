using System.Numerics;
using System.Numerics.Tensors;

namespace Basin.Engine.Losses;

/// <summary>
/// l = logsumexp(z) - z_y (PyTorch CrossEntropyLoss per example). dl/dz = p - e_y with p = softmax(z);
/// the Hessian is diag(p) - p p^T, so H rz = p * (rz - p.rz) and rz^T H rz = sum_j p_j (rz_j - p.rz)^2.
/// </summary>
internal sealed class CrossEntropy<T> : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Name => "ce";

    static T Softmax(ReadOnlySpan<T> z, Span<T> p)
    {
        T max = z[0];
        for (int j = 1; j < z.Length; j++) if (z[j] > max || T.IsNaN(z[j])) max = z[j];
        T sum = T.Zero;
        for (int j = 0; j < z.Length; j++) { p[j] = T.Exp(z[j] - max); sum += p[j]; }
        for (int j = 0; j < z.Length; j++) p[j] /= sum;
        return max + T.Log(sum);
    }

    [ThreadStatic] static T[]? exps;

    public override double Forward(ReadOnlySpan<T> z, Targets<T> targets, int start, int batch, int width, Span<T> dz)
    {
        var labels = targets.Labels ?? throw new BasinException("loss", "ce needs class labels", "use --loss mse for regression targets");
        int n = batch * width;
        if (exps is null || exps.Length < n) exps = new T[n];
        var e = exps.AsSpan(0, n);
        var max = batch <= 512 ? stackalloc T[batch] : new T[batch];
        for (int b = 0; b < batch; b++)
        {
            var row = z.Slice(b * width, width);
            max[b] = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max[b], e.Slice(b * width, width));
        }
        // One vectorized exp over the whole block instead of one scalar call per logit.
        TensorPrimitives.Exp(e, e);
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            var row = e.Slice(b * width, width);
            T sum = TensorPrimitives.Sum<T>(row);
            int y = labels[start + b];
            total += double.CreateTruncating(max[b] + T.Log(sum) - z[b * width + y]);
            if (dz.IsEmpty) continue;
            var d = dz.Slice(b * width, width);
            TensorPrimitives.Divide(row, sum, d);
            d[y] -= T.One;
        }
        return total;
    }

    public override void HessianProduct(ReadOnlySpan<T> z, ReadOnlySpan<T> rz, Span<T> hz, int batch, int width)
    {
        Span<T> p = width <= 256 ? stackalloc T[width] : new T[width];
        for (int b = 0; b < batch; b++)
        {
            Softmax(z.Slice(b * width, width), p);
            var r = rz.Slice(b * width, width);
            var h = hz.Slice(b * width, width);
            T dot = T.Zero;
            for (int j = 0; j < width; j++) dot += p[j] * r[j];
            for (int j = 0; j < width; j++) h[j] = p[j] * (r[j] - dot);
        }
    }

    public override double Curvature(ReadOnlySpan<T> z, ReadOnlySpan<T> rz, int batch, int width)
    {
        Span<T> p = width <= 256 ? stackalloc T[width] : new T[width];
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            Softmax(z.Slice(b * width, width), p);
            var r = rz.Slice(b * width, width);
            T mean = T.Zero, sum = T.Zero;
            for (int j = 0; j < width; j++) mean += p[j] * r[j];
            for (int j = 0; j < width; j++) { T d = r[j] - mean; sum += p[j] * d * d; }
            total += double.CreateTruncating(sum);
        }
        return total;
    }
}
