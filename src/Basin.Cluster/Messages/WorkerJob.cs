namespace Basin.Cluster.Messages;

/// <summary>
/// Everything a worker needs to compute a job's pieces, sent once per job and worker: the model, its point (parameters and
/// BatchNorm statistics, float64 holds float32 values exactly), the loss settings, the data to load, and for a surface its
/// directions.
/// </summary>
[GenerateSerializer, Immutable]
internal sealed record WorkerJob(
    [property: Id(0)] string Id,
    [property: Id(1)] string Spec,
    [property: Id(2)] bool Float64,
    [property: Id(3)] double[] Theta,
    [property: Id(4)] double[] BufferValues,
    [property: Id(5)] long[] BufferCounts,
    [property: Id(6)] string Loss,
    [property: Id(7)] double L2,
    [property: Id(8)] int Batch,
    [property: Id(9)] DataRequest Train,
    [property: Id(10)] DataRequest? Test = null,
    [property: Id(11)] double[]? DirectionX = null,
    [property: Id(12)] double[]? DirectionY = null);
