using System.Numerics;
using Basin.Objective;

namespace Basin.Curvature;

/// <summary>
/// The Hessian of an empirical risk at theta, by exact R-operator products (Pearlmutter 1994) in T, returned in float64;
/// x^T H x comes from a second-order forward pass without a backward pass.
/// </summary>
internal sealed class HessianOperator<T>(EmpiricalRisk<T> risk, ReadOnlySpan<T> theta) : ICurvatureOperator, IQuadraticForm
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // A copy the risk may keep its linearization for: the caller cannot change it between products.
    readonly T[] theta = theta.ToArray();

    public int Dimension => risk.Dimension;

    /// <summary>Products (and quadratic forms) computed so far.</summary>
    public long Products { get; private set; }

    public void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        risk.HessianVectorProduct(theta, x, y);
        Products++;
    }

    public double Quadratic(ReadOnlySpan<double> x)
    {
        Products++;
        return risk.HessianQuadraticForm(theta, x);
    }
}
