using System.Numerics;
using Basin.Objective;

namespace Basin.Curvature;

/// <summary>
/// The generalized Gauss-Newton matrix G = J^T H_loss J (+ l2 I) of an empirical risk at theta (Schraudolph 2002), by an
/// R-forward and a backward pass per product; x^T G x from the R-forward alone.
/// </summary>
internal sealed class GaussNewtonOperator<T>(EmpiricalRisk<T> risk, ReadOnlySpan<T> theta) : ICurvatureOperator, IQuadraticForm
    where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly T[] theta = theta.ToArray();

    public int Dimension => risk.Dimension;

    /// <summary>Products (and quadratic forms) computed so far.</summary>
    public long Products { get; private set; }

    public void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        risk.GaussNewtonVectorProduct(theta, x, y);
        Products++;
    }

    public double Quadratic(ReadOnlySpan<double> x)
    {
        Products++;
        return risk.GaussNewtonQuadraticForm(theta, x);
    }
}
