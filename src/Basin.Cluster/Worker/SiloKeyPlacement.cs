using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Basin.Cluster.Worker;

/// <summary>Places a grain on the silo its string key names (<see cref="SiloAddress.ToParsableString"/>): one worker grain per silo.</summary>
[Serializable, GenerateSerializer, Immutable]
internal sealed class SiloKeyPlacement : PlacementStrategy
{
    public static readonly SiloKeyPlacement Instance = new();
}

[AttributeUsage(AttributeTargets.Class)]
internal sealed class SiloKeyPlacementAttribute() : PlacementAttribute(SiloKeyPlacement.Instance);

/// <summary>The silo the key names while it is in the cluster; a grain of a silo that is gone is not placed anywhere else.</summary>
internal sealed class SiloKeyPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var wanted = SiloAddress.FromParsableString(target.GrainIdentity.Key.ToString()!);
        return context.GetCompatibleSilos(target).Contains(wanted) ? Task.FromResult(wanted)
            : throw new SiloUnavailableException($"worker {wanted} is no longer in the cluster");
    }
}
