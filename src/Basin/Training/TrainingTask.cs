using Basin.Data;

namespace Basin.Training;

/// <summary>
/// A training run an experiment needs, to be trained here or by a worker: its settings, its training examples (with where
/// they come from, when another process can load them itself), and its directory. A finished run of the same settings
/// and inputs in the directory is reused.
/// </summary>
internal sealed record TrainingTask(RunConfig Config, DataSet Train, string Directory, DataSource? Source = null)
{
    /// <summary>Whether the directory holds this run, finished.</summary>
    public bool Finished => TrainingRun.Reuse(Config, Train, null, Directory).State == RunState.Finished;

    /// <summary>The run trained (in its dtype) where it is missing or interrupted.</summary>
    public RunDirectory Ensure(int threads = 0) => Config.DType == "float64"
        ? TrainingRun.Ensure<double>(Config, Train, null, Directory, threads)
        : TrainingRun.Ensure<float>(Config, Train, null, Directory, threads);
}
