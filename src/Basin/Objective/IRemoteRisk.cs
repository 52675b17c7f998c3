using System.Numerics;

namespace Basin.Objective;

/// <summary>
/// Workers elsewhere (a cluster) that hold the same point, data and settings as this process: a pass over the data comes
/// back as the unnormalized sums of its waves, which <see cref="EmpiricalRisk{T}.Merge"/> turns into this process's bits.
/// </summary>
internal interface IRemoteRisk
{
    /// <summary>The option that sent the work there, as errors name it: {cluster} or {device}.</summary>
    string Name { get; }

    /// <summary>
    /// The sums of every wave of one pass along v, in shares covering waves 0 to waves - 1 in order: at the workers' point,
    /// or at <paramref name="theta"/> when given (a training step's). Shards hold <paramref name="shardSize"/> examples.
    /// </summary>
    IReadOnlyList<ShardSums<T>> Sum<T>(EmpiricalRisk<T>.Pass pass, double[]? theta, double[] v, int waves, int shardSize)
        where T : unmanaged, IFloatingPointIeee754<T>;
}
