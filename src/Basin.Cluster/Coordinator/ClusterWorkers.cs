using System.Numerics;
using Basin.Cluster.Messages;
using Basin.Landscape;
using Basin.Objective;

namespace Basin.Cluster.Coordinator;

/// <summary>
/// A cluster's workers holding one point (the job), as the library's remote: passes over the data cut into a share of
/// waves per worker, merged here in wave order; surface cells in blocks, saved here as they come back. The log hears
/// workers joining and failing as it happens, and at the end the pieces each worker did; <paramref name="handedOut"/> each
/// piece as a worker is given it.
/// </summary>
internal sealed class ClusterWorkers(IClusterClient client, WorkerJob job, TextWriter? log = null, Action<SiloAddress, int>? handedOut = null) : IRemoteWorkers
{
    WorkerPool? passes;

    /// <summary>How long a job waits with no worker left before it stops (and keeps what was done).</summary>
    public TimeSpan WaitForWorkers { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the log hears each worker's progress while a job runs.</summary>
    public TimeSpan StatusEvery { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The job of a point: its parameters and BatchNorm statistics, the loss, and the data the workers load.</summary>
    public static WorkerJob Job(LossLandscape point, DataRequest train, DataRequest? test, string loss, double l2, int batch) =>
        new(NewId(), point.Spec, point.Float64, point.Theta(), point.Buffers.Values.ToArray(), point.Buffers.Counts.ToArray(), loss, l2, batch, train, test);

    /// <summary>The job of a training run's full-batch passes (its point comes with every pass).</summary>
    public static WorkerJob Job(Training.RunConfig config, int parameters, DataRequest train) =>
        new(NewId(), config.Model, config.DType == "float64", new double[parameters], [], [], config.Loss, config.L2, config.Shard, train);

    static string NewId() => Guid.NewGuid().ToString("N");

    public string Name => "{cluster}";

    /// <summary>The workers cut the shards the job names (its batch).</summary>
    public IReadOnlyList<ShardSums<T>> Sum<T>(EmpiricalRisk<T>.Pass pass, double[]? theta, double[] v, int waves, int shardSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var pool = passes ??= new WorkerPool(client, job, "wave shares", handedOut, log) { WaitForWorkers = WaitForWorkers, StatusEvery = StatusEvery };
        int workers = Math.Max(1, pool.Workers().GetAwaiter().GetResult().Count);
        int size = (waves + workers - 1) / workers, pieces = (waves + size - 1) / size;
        var parts = new ShardSums<T>[pieces];
        pool.Run(pieces, (grain, p) => grain.Waves(job.Id, (int)pass, theta, v, p * size, Math.Min(size, waves - p * size)), (p, m) => parts[p] = m.To<T>(),
            CancellationToken.None).GetAwaiter().GetResult();
        return parts;
    }

    public void Complete(Surface surface, double[] dx, double[]? dy, int? eigenSteps, double saveSeconds, Action<Surface>? save, Action<int>? progress,
        CancellationToken cancel)
    {
        var cellsJob = job with { Id = NewId(), DirectionX = dx, DirectionY = dy, Test = surface.HasTest ? job.Test : null };
        var pool = new WorkerPool(client, cellsJob, "surface blocks", handedOut, log) { WaitForWorkers = WaitForWorkers, StatusEvery = StatusEvery };
        var todo = Enumerable.Range(0, surface.Cells).Where(c => !surface.Done[c]).ToArray();
        int workers = Math.Max(1, pool.Workers().GetAwaiter().GetResult().Count);
        // About four blocks per worker: a lost worker's block is redone elsewhere, a fast one takes more.
        int block = Math.Clamp((todo.Length + 4 * workers - 1) / (4 * workers), 1, 1024), pieces = (todo.Length + block - 1) / block;
        int[] Block(int p) => todo[(p * block)..Math.Min(todo.Length, (p + 1) * block)];
        Task<CellsMessage?> Compute(IWorkerGrain grain, int p)
        {
            var at = Block(p).Select(surface.Coordinates).ToArray();
            return grain.Cells(cellsJob.Id, [.. at.Select(c => c.X)], [.. at.Select(c => c.Y)], eigenSteps);
        }
        var saving = new PeriodicSave(surface, saveSeconds, save, progress);
        try
        {
            pool.Run(pieces, Compute, (p, block) =>
            {
                var cells = Block(p);
                for (int k = 0; k < cells.Length; k++) surface.Store(cells[k], CellCodec.Decode(block.Values, k));
                saving.Stored();
            }, cancel).GetAwaiter().GetResult();
        }
        finally
        {
            saving.Finish();
            pool.Release().GetAwaiter().GetResult();
            pool.Report();
        }
    }

    /// <summary>Ends the passes' job on the workers and reports its pieces.</summary>
    public void Finish()
    {
        if (passes is null) return;
        passes.Release().GetAwaiter().GetResult();
        passes.Report();
    }
}
