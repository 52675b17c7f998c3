using System.Numerics;
using Basin.Objective;

namespace Basin.Curvature;

/// <summary>A curvature matrix of an empirical risk at theta, as an operator that counts its products.</summary>
internal abstract class RiskCurvature<T>(EmpiricalRisk<T> risk, ReadOnlySpan<T> theta) : ICurvatureOperator where T : unmanaged, IFloatingPointIeee754<T>
{
    protected readonly EmpiricalRisk<T> Risk = risk;
    // A copy the risk may keep its linearization for: the caller cannot change it between products.
    protected readonly T[] Theta = theta.ToArray();

    public int Dimension => Risk.Dimension;

    /// <summary>Products (and quadratic forms) computed so far.</summary>
    public long Products { get; protected set; }

    public void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        Product(x, y);
        Products++;
    }

    /// <summary>y = A x.</summary>
    protected abstract void Product(ReadOnlySpan<double> x, Span<double> y);
}
