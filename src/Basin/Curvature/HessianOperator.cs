using System.Numerics;
using Basin.Objective;

namespace Basin.Curvature;

/// <summary>
/// The Hessian of an empirical risk at theta, by exact R-operator products (Pearlmutter 1994) in T, returned in float64;
/// x^T H x comes from a second-order forward pass without a backward pass.
/// </summary>
internal sealed class HessianOperator<T>(EmpiricalRisk<T> risk, ReadOnlySpan<T> theta) : RiskCurvature<T>(risk, theta), IQuadraticForm
    where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override void Product(ReadOnlySpan<double> x, Span<double> y) => Risk.HessianVectorProduct(Theta, x, y);

    public double Quadratic(ReadOnlySpan<double> x)
    {
        Products++;
        return Risk.HessianQuadraticForm(Theta, x);
    }
}
