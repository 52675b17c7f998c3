using System.Numerics;
using System.Numerics.Tensors;
using Basin.Objective;
using Basin.Tensors;

namespace Basin.Curvature;

/// <summary>
/// The empirical Fisher F = (1/N) sum_i g_i g_i^T of an empirical risk at theta, from the per-example gradients g_i of the
/// mean-reduced loss (every example weighted alike), computed once and kept for the products.
/// </summary>
internal sealed class FisherOperator<T>(EmpiricalRisk<T> risk, ReadOnlySpan<T> theta) : RiskCurvature<T>(risk, theta)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    T[]? perExample, x, y;

    protected override void Product(ReadOnlySpan<double> v, Span<double> result)
    {
        TensorPrimitives.ConvertTruncating(v, (x ??= new T[Dimension]).AsSpan());
        Product(y ??= new T[Dimension]);
        TensorPrimitives.ConvertTruncating<T, double>(y, result);
    }

    /// <summary>F x = (1/N) sum_i g_i (g_i . x).</summary>
    void Product(Span<T> result)
    {
        int n = Risk.Count, p = Dimension;
        if (perExample is null)
        {
            string what = $"{n} per-example gradients of {p} parameters";
            const string hint = "take fewer examples";
            if ((long)n * p > Array.MaxLength) throw new BasinException("fisher", $"{what} are past one array's size", hint);
            MemoryBudget.Require((double)n * p * System.Runtime.CompilerServices.Unsafe.SizeOf<T>(), $"fisher: {what}", hint);
            perExample = new T[n * p];
            Risk.PerExampleGradients(Theta, 0, n, perExample);
        }
        var sum = new double[p];
        for (int i = 0; i < n; i++)
        {
            var g = perExample.AsSpan(i * p, p);
            double dot = 0;
            for (int j = 0; j < p; j++) dot += double.CreateTruncating(g[j] * x![j]);
            for (int j = 0; j < p; j++) sum[j] += dot * double.CreateTruncating(g[j]);
        }
        for (int j = 0; j < p; j++) result[j] = T.CreateTruncating(sum[j] / n);
    }

    /// <summary>tr F = (1/N) sum_i ||g_i||^2, exactly, the per-example gradients streamed in chunks (no N x P matrix kept).</summary>
    public double Trace()
    {
        int n = Risk.Count, p = Dimension, chunk = Math.Max(1, Math.Min(n, 16_000_000 / Math.Max(1, p)));
        var g = new T[chunk * p];
        double sum = 0;
        for (int start = 0; start < n; start += chunk)
        {
            int count = Math.Min(chunk, n - start);
            Risk.PerExampleGradients(Theta, start, count, g);
            foreach (var v in g.AsSpan(0, count * p)) sum += double.CreateTruncating(v) * double.CreateTruncating(v);
        }
        return sum / n;
    }
}
