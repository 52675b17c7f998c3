using System.Numerics;
using System.Numerics.Tensors;
using Basin.Objective;

namespace Basin.Connectivity;

/// <summary>A differentiable function of a point: the full-data loss of a network, or an analytic test surface.</summary>
internal interface IEnergyLandscape
{
    int Dimension { get; }

    /// <summary>Writes the gradient at x; returns the value.</summary>
    double Gradient(ReadOnlySpan<double> x, Span<double> gradient);
}

/// <summary>The full-data loss of an objective as a landscape in float64 coordinates.</summary>
internal sealed class RiskEnergy<T>(EmpiricalRisk<T> objective) : IEnergyLandscape where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly T[] point = new T[objective.Dimension], gradient = new T[objective.Dimension];

    public int Dimension => objective.Dimension;

    public double Gradient(ReadOnlySpan<double> x, Span<double> g)
    {
        TensorPrimitives.ConvertTruncating(x, point.AsSpan());
        double loss = objective.Gradient(point, gradient);
        TensorPrimitives.ConvertTruncating<T, double>(gradient, g);
        return loss;
    }
}
