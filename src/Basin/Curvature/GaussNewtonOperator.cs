using System.Numerics;
using Basin.Objective;

namespace Basin.Curvature;

/// <summary>
/// The generalized Gauss-Newton matrix G = J^T H_loss J (+ l2 I) of an empirical risk at theta (Schraudolph 2002), by an
/// R-forward and a backward pass per product; x^T G x from the R-forward alone.
/// </summary>
internal sealed class GaussNewtonOperator<T>(EmpiricalRisk<T> risk, ReadOnlySpan<T> theta) : RiskCurvature<T>(risk, theta), IQuadraticForm
    where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override void Product(ReadOnlySpan<double> x, Span<double> y) => Risk.GaussNewtonVectorProduct(Theta, x, y);

    public double Quadratic(ReadOnlySpan<double> x)
    {
        Products++;
        return Risk.GaussNewtonQuadraticForm(Theta, x);
    }
}
