namespace Basin.Cluster.Messages;

/// <summary>A block of surface cells' values (<see cref="CellCodec"/>) and the seconds computing them took.</summary>
[GenerateSerializer, Immutable]
internal sealed record CellsMessage([property: Id(0)] double[] Values, [property: Id(1)] double Seconds) : IComputed;
