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

    [ThreadStatic] static T[]? exps;

    /// <summary>exp(z - max of its row) for the whole block in one vectorized call (a thread's buffer); the row maxima go to max.</summary>
    static Span<T> Exponentials(ReadOnlySpan<T> z, int batch, int width, scoped Span<T> max)
    {
        int n = batch * width;
        if (exps is null || exps.Length < n) exps = new T[n];
        var e = exps.AsSpan(0, n);
        for (int b = 0; b < batch; b++)
        {
            var row = z.Slice(b * width, width);
            var shifted = e.Slice(b * width, width);
            T m = max[b] = Rows<T>.Max(row);
            for (int j = 0; j < width; j++) shifted[j] = row[j] - m;
        }
        TensorPrimitives.Exp(e, e);
        return e;
    }

    /// <summary>softmax of every row of the block, in a thread's buffer.</summary>
    static Span<T> Probabilities(ReadOnlySpan<T> z, int batch, int width)
    {
        var max = batch <= 512 ? stackalloc T[batch] : new T[batch];
        var p = Exponentials(z, batch, width, max);
        for (int b = 0; b < batch; b++)
        {
            var row = p.Slice(b * width, width);
            T sum = Rows<T>.Sum(row);
            for (int j = 0; j < width; j++) row[j] /= sum;
        }
        return p;
    }

    public override double Forward(ReadOnlySpan<T> z, Targets<T> targets, int start, int batch, int width, Span<T> dz)
    {
        var labels = targets.Labels ?? throw new BasinException("loss", "ce needs class labels", "use {loss} mse for regression targets");
        var max = batch <= 512 ? stackalloc T[batch] : new T[batch];
        var e = Exponentials(z, batch, width, max);
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            var row = e.Slice(b * width, width);
            T sum = Rows<T>.Sum(row);
            int y = labels[start + b];
            total += double.CreateTruncating(max[b] + T.Log(sum) - z[b * width + y]);
            if (dz.IsEmpty) continue;
            var d = dz.Slice(b * width, width);
            for (int j = 0; j < width; j++) d[j] = row[j] / sum;
            d[y] -= T.One;
        }
        return total;
    }

    public override void HessianProduct(ReadOnlySpan<T> z, ReadOnlySpan<T> rz, Span<T> hz, int batch, int width)
    {
        var p = Probabilities(z, batch, width);
        for (int b = 0; b < batch; b++)
        {
            var pb = p.Slice(b * width, width);
            var r = rz.Slice(b * width, width);
            var h = hz.Slice(b * width, width);
            T mean = Rows<T>.Dot(pb, r);
            for (int j = 0; j < width; j++) h[j] = pb[j] * (r[j] - mean);
        }
    }

    public override double Curvature(ReadOnlySpan<T> z, ReadOnlySpan<T> rz, int batch, int width)
    {
        var p = Probabilities(z, batch, width);
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            var pb = p.Slice(b * width, width);
            var r = rz.Slice(b * width, width);
            T mean = Rows<T>.Dot(pb, r), sum = T.Zero;
            for (int j = 0; j < width; j++) sum += pb[j] * (r[j] - mean) * (r[j] - mean);
            total += double.CreateTruncating(sum);
        }
        return total;
    }
}
