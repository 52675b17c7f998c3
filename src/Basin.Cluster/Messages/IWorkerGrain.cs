namespace Basin.Cluster.Messages;

/// <summary>
/// One worker silo's computing grain (keyed by its silo's address, placed there): it holds prepared jobs and computes
/// their pieces with the silo's cores, one piece at a time. A piece of a job it does not hold (it was restarted) returns
/// null, and the coordinator prepares it again.
/// </summary>
internal interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>Loads the job's data (checking its hash) and builds its point; null when ready, else why not.</summary>
    Task<WorkerRefusal?> Prepare(WorkerJob job);

    /// <summary>Surface cells at coordinates (a[k], b[k]), <see cref="CellCodec"/> values each.</summary>
    Task<CellsMessage?> Cells(string job, double[] a, double[] b, int? eigenSteps);

    /// <summary>The sums of waves [first, first + count) of a pass (EmpiricalRisk.Pass) along v, at the job's point or at theta.</summary>
    Task<WaveSumsMessage?> Waves(string job, int pass, double[]? theta, double[] v, int first, int count);

    /// <summary>Trains a run from scratch in a directory of its own and returns its files (no job to prepare).</summary>
    Task<RunFilesMessage?> Train(TrainingMessage run);

    /// <summary>Forgets a finished job.</summary>
    Task Release(string job);
}
