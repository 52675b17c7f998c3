namespace Basin.Training;

/// <summary>Workers elsewhere (a cluster) that train independent runs, each left finished in its directory here.</summary>
internal interface IRemoteTrainer
{
    void Train(IReadOnlyList<TrainingTask> tasks);
}
