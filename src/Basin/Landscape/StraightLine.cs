using System.Numerics;
using Basin.Objective;

namespace Basin.Landscape;

/// <summary>Loss and accuracy along the straight line a + t (b - a) (Goodfellow et al.'s interpolation), every t in one pass over the data.</summary>
internal static class StraightLine
{
    public static Evaluation[] Evaluate<T>(EmpiricalRisk<T> risk, ReadOnlySpan<T> a, ReadOnlySpan<T> b, double[] t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var results = new Evaluation[t.Length];
        risk.EvaluatePlane(a, Directions.Difference(a, b), [], t, new double[t.Length], results);
        return results;
    }
}
