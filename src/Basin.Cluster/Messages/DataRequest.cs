namespace Basin.Cluster.Messages;

/// <summary>A data set as a worker loads it itself (by name, from its own copy of the files), and the content hash it must have.</summary>
[GenerateSerializer, Immutable]
internal sealed record DataRequest(
    [property: Id(0)] string Name,
    [property: Id(1)] string Split,
    [property: Id(2)] string? Directory,
    [property: Id(3)] int? N,
    [property: Id(4)] bool Normalize,
    [property: Id(5)] string Sha256)
{
    public string Describe => $"{Name} {Split}{(N is { } n ? $" (first {n})" : "")}";
}
