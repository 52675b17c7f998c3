using System.Numerics;
using Basin.Objective;

namespace Basin.Curvature;

/// <summary>
/// The Hessian of an empirical risk at theta, by exact R-operator products (Pearlmutter 1994) in T, returned in float64;
/// x^T H x comes from a second-order forward pass without a backward pass. With the risk's remote, workers run the passes
/// over the data and this process merges their sums into the same bits.
/// </summary>
internal sealed class HessianOperator<T>(EmpiricalRisk<T> risk, ReadOnlySpan<T> theta) : RiskCurvature<T>(risk, theta), IQuadraticForm
    where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override void Product(ReadOnlySpan<double> x, Span<double> y)
    {
        if (Risk.Remote is null) Risk.HessianVectorProduct(Theta, x, y);
        else Merged(EmpiricalRisk<T>.Pass.HessianVector, x, y);
    }

    public double Quadratic(ReadOnlySpan<double> x)
    {
        Products++;
        return Risk.Remote is null ? Risk.HessianQuadraticForm(Theta, x) : Merged(EmpiricalRisk<T>.Pass.HessianQuadratic, x, []);
    }

    double Merged(EmpiricalRisk<T>.Pass pass, ReadOnlySpan<double> x, Span<double> y)
    {
        var v = x.ToArray();
        return Risk.Merge(pass, Theta, v, Risk.Remote!.Sum<T>(pass, null, v, Risk.WaveCount, Risk.BatchSize), y).Loss;
    }
}
