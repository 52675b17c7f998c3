using System.Numerics;
using Basin.Landscape;

namespace Basin.Objective;

/// <summary>
/// Workers elsewhere (a cluster) that hold the same point, data and settings as this process: passes over the data come
/// back as the unnormalized sums of their waves, and surface cells as their values, so results have this process's bits.
/// </summary>
internal interface IRemoteWorkers
{
    /// <summary>The sums of every wave of one pass at the point along v, in shares covering waves 0 to waves - 1 in order.</summary>
    IReadOnlyList<ShardSums<T>> Sum<T>(EmpiricalRisk<T>.Pass pass, double[] v, int waves) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Fills the surface's cells not yet done along the directions, saving about every saveSeconds as blocks come back.</summary>
    void Complete(Surface surface, double[] dx, double[]? dy, int? eigenSteps, double saveSeconds, Action<Surface>? save, Action<int>? progress,
        CancellationToken cancel);
}
