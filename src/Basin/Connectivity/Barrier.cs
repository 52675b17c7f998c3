namespace Basin.Connectivity;

/// <summary>The barrier of a path between two minima: its highest loss minus the larger of its two end losses.</summary>
internal static class Barrier
{
    /// <summary>Losses along the path, from one end to the other (a NaN is passed over, as <c>Enumerable.Max</c> does).</summary>
    public static double Of(IReadOnlyList<double> losses) => losses.Max() - Math.Max(losses[0], losses[^1]);
}
