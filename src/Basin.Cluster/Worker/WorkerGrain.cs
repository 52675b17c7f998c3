using Basin.Cluster.Messages;
using Basin.Data;

namespace Basin.Cluster.Worker;

/// <summary>
/// A worker silo's computing grain: prepares jobs (loading their data once, checked against the coordinator's hash) and
/// computes their pieces, and trains runs, on the thread pool, off the silo's scheduler, one at a time per process (silos that share a
/// process, as in tests, share its cores too).
/// </summary>
[SiloKeyPlacement]
internal sealed class WorkerGrain(WorkerSettings settings) : Grain, IWorkerGrain
{
    const int KeptJobs = 2, KeptDataSets = 4;
    static readonly SemaphoreSlim Cores = new(1);
    static readonly List<(DataRequest Request, DataSet Data)> DataSets = [];
    readonly List<(string Id, IPreparedJob Job)> jobs = [];

    public async Task<WorkerRefusal?> Prepare(WorkerJob job)
    {
        if (Find(job.Id) is not null) return null;
        try
        {
            var prepared = await OnCores(() => PreparedJob.Create(job, Load, settings.Threads));
            jobs.Add((job.Id, prepared));
            if (jobs.Count > KeptJobs) jobs.RemoveAt(0);
            return null;
        }
        catch (BasinException e)
        {
            return new WorkerRefusal(e.What, e.Why, e.Hint);
        }
    }

    public async Task<CellsMessage?> Cells(string job, double[] a, double[] b, int? eigenSteps) =>
        Find(job) is { } j ? await OnCores(() => j.Cells(a, b, eigenSteps)) : null;

    public async Task<WaveSumsMessage?> Waves(string job, int pass, double[]? theta, double[] v, int first, int count) =>
        Find(job) is { } j ? await OnCores(() => j.Waves(pass, theta, v, first, count)) : null;

    public async Task<RunFilesMessage?> Train(TrainingMessage run) => await OnCores(() => TrainedRun.Files(run, Load, settings.Threads));

    public Task Release(string job)
    {
        jobs.RemoveAll(j => j.Id == job);
        return Task.CompletedTask;
    }

    IPreparedJob? Find(string id) => jobs.Find(j => j.Id == id).Job;

    static async Task<TResult> OnCores<TResult>(Func<TResult> work)
    {
        await Cores.WaitAsync();
        try { return await Task.Run(work); }
        finally { Cores.Release(); }
    }

    /// <summary>The data set a request names, from this machine's files, kept for later jobs; refused unless its content hash is the coordinator's.</summary>
    static DataSet Load(DataRequest request)
    {
        DataSet? data;
        lock (DataSets) data = DataSets.Find(d => d.Request == request).Data;
        if (data is null)
        {
            data = DataCatalog.Load(request.Name, request.Split, request.Directory, request.N, request.Normalize);
            lock (DataSets)
            {
                DataSets.Add((request, data));
                if (DataSets.Count > KeptDataSets) DataSets.RemoveAt(0);
            }
        }
        if (data.ContentHash != request.Sha256)
            throw new BasinException("--cluster", $"a worker's {request.Describe} has sha256 {data.ContentHash[..12]}..., the coordinator's {request.Sha256[..12]}...",
                "every worker must read the same data files as the coordinator (--data-dir on the command, BASIN_DATA or /usr/share/datasets on the workers)");
        return data;
    }
}
