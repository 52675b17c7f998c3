namespace Basin.Cluster.Messages;

/// <summary>
/// A training run for a worker: its settings (model.json's text) and its examples, a split the worker loads itself
/// (checked by hash) or, for a set the coordinator made, the examples themselves; <paramref name="Name"/> says which run.
/// </summary>
[GenerateSerializer, Immutable]
internal sealed record TrainingMessage(
    [property: Id(0)] string Name,
    [property: Id(1)] string Config,
    [property: Id(2)] DataRequest? Source,
    [property: Id(3)] ExamplesMessage? Examples);
