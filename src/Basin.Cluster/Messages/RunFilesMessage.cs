namespace Basin.Cluster.Messages;

/// <summary>
/// A finished run directory's files (paths relative to it, with their bytes) and the seconds its training took; or why the
/// worker could not train it.
/// </summary>
[GenerateSerializer, Immutable]
internal sealed record RunFilesMessage(
    [property: Id(0)] string[] Paths,
    [property: Id(1)] byte[][] Contents,
    [property: Id(2)] double Seconds,
    [property: Id(3)] WorkerRefusal? Refusal = null) : IComputed;
