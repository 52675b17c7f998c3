namespace Basin.Cluster.Messages;

/// <summary>Why a worker cannot take a job (its data differ from the coordinator's, the model does not fit): a BasinException's parts.</summary>
[GenerateSerializer, Immutable]
internal sealed record WorkerRefusal([property: Id(0)] string What, [property: Id(1)] string Why, [property: Id(2)] string? Hint);
