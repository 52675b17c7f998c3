using System.Numerics;
using System.Numerics.Tensors;
using Basin.Objective;
using Basin.Tensors;

namespace Basin.Curvature;

/// <summary>Which curvature matrix of the loss at theta an operator applies.</summary>
public enum CurvatureKind { Hessian, GaussNewton, Fisher }

/// <summary>
/// The Hessian (exact R-operator products), the generalized Gauss-Newton matrix, or the empirical Fisher
/// F = (1/N) sum_i g_i g_i^T (per-example gradients of the mean-reduced loss) of an objective at theta, over all its
/// examples with every batch weighted by its size. Products are computed in T and returned in float64.
/// </summary>
public sealed class CurvatureOperator<T> : ILinearOperator where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly EmpiricalRisk<T> objective;
    readonly T[] theta;
    T[]? perExample, x, y;
    double[]? y64;

    public CurvatureKind Kind { get; }
    public int Dimension => objective.Dimension;
    public int Threads => objective.Threads;
    public long Products { get; private set; }

    public CurvatureOperator(EmpiricalRisk<T> objective, ReadOnlySpan<T> theta, CurvatureKind kind)
    {
        this.objective = objective;
        this.theta = theta.ToArray();
        Kind = kind;
    }

    public void Apply(ReadOnlySpan<double> v, Span<double> result)
    {
        switch (Kind)
        {
            case CurvatureKind.Hessian: objective.HessianVectorProduct(theta, v, result); break;
            case CurvatureKind.GaussNewton: objective.GaussNewtonVectorProduct(theta, v, result); break;
            default:
                TensorPrimitives.ConvertTruncating(v, (x ??= new T[Dimension]).AsSpan());
                Fisher(y ??= new T[Dimension]);
                TensorPrimitives.ConvertTruncating<T, double>(y, result);
                break;
        }
        Products++;
    }

    /// <summary>x^T A x without forming A x for the Hessian and Gauss-Newton kinds (see <see cref="EmpiricalRisk{T}.HessianQuadraticForm(ReadOnlySpan{T}, ReadOnlySpan{T})"/>).</summary>
    public double Quadratic(ReadOnlySpan<double> v)
    {
        if (Kind == CurvatureKind.Fisher)
        {
            Apply(v, y64 ??= new double[Dimension]);
            return Vectors.Dot(v, y64);
        }
        Products++;
        return Kind == CurvatureKind.Hessian ? objective.HessianQuadraticForm(theta, v) : objective.GaussNewtonQuadraticForm(theta, v);
    }

    /// <summary>F x = (1/N) sum_i g_i (g_i . x), from per-example gradients computed once and kept.</summary>
    void Fisher(Span<T> result)
    {
        int n = objective.Count, p = Dimension;
        if (perExample is null)
        {
            const string hint = "use --n to take fewer examples";
            if ((long)n * p > Array.MaxLength) throw new BasinException("--operator fisher", $"{n} per-example gradients of {p} parameters are past one array's size", hint);
            MemoryBudget.Require((double)n * p * System.Runtime.CompilerServices.Unsafe.SizeOf<T>(), $"--operator fisher: {n} per-example gradients of {p} parameters", hint);
            perExample = new T[n * p];
            objective.PerExampleGradients(theta, 0, n, perExample);
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

    /// <summary>
    /// The exact trace of the empirical Fisher, (1/N) sum_i ||g_i||^2 over the per-example gradients, streamed in
    /// chunks (no N x P matrix is kept).
    /// </summary>
    public double FisherTrace()
    {
        int n = objective.Count, p = Dimension, chunk = Math.Max(1, Math.Min(n, 16_000_000 / Math.Max(1, p)));
        var g = new T[chunk * p];
        double sum = 0;
        for (int start = 0; start < n; start += chunk)
        {
            int count = Math.Min(chunk, n - start);
            objective.PerExampleGradients(theta, start, count, g);
            foreach (var v in g.AsSpan(0, count * p)) sum += double.CreateTruncating(v) * double.CreateTruncating(v);
        }
        return sum / n;
    }
}
