using Basin.Cluster.Messages;
using Basin.Training;

namespace Basin.Cluster.Coordinator;

/// <summary>
/// A cluster's workers training an experiment's independent runs, one run per worker at a time; each run's files are
/// written into its directory here as it comes back (a lost worker's run is trained again elsewhere).
/// </summary>
internal sealed class ClusterTrainer(IClusterClient client, TextWriter? log = null, Action<SiloAddress, int>? handedOut = null) : IRemoteTrainer
{
    public void Train(IReadOnlyList<TrainingTask> tasks)
    {
        var messages = tasks.Select(Message).ToArray();
        var pool = new WorkerPool(client, null, "training runs", handedOut, log);
        try
        {
            pool.Run(tasks.Count, (grain, p) => grain.Train(messages[p]), (p, files) =>
            {
                if (files.Refusal is { } refusal) throw new BasinException(refusal.What, refusal.Why, refusal.Hint);
                Store(tasks[p].Directory, files);
                log?.WriteLine($"cluster: trained {tasks[p].Directory} ({files.Seconds:F1} s on a worker)");
            }, CancellationToken.None).GetAwaiter().GetResult();
        }
        finally
        {
            pool.Report();
        }
    }

    /// <summary>The run for a worker: its examples by name where the worker can load them itself (checked by hash), else sent whole.</summary>
    static TrainingMessage Message(TrainingTask task)
    {
        if (Initialization.IsFile(task.Config.Init))
            throw new BasinException(task.Directory, $"starts from a weights file ({task.Config.Init})", "a run from a file is trained where it is measured");
        var source = task.Source is { } s ? new DataRequest(s.Name, s.Split, s.Directory, s.N, s.Normalize, task.Train.ContentHash) : null;
        return new TrainingMessage(task.Directory, task.Config.ToJson(), source, source is null ? ExamplesMessage.Of(task.Train) : null);
    }

    /// <summary>Writes a run's files into a temporary directory beside its own, then puts it in place of whatever the directory held.</summary>
    static void Store(string directory, RunFilesMessage files)
    {
        string full = Path.GetFullPath(directory);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.cluster");
        if (Directory.Exists(temporary)) Directory.Delete(temporary, true);
        for (int i = 0; i < files.Paths.Length; i++)
        {
            string path = Path.GetFullPath(Path.Combine(temporary, files.Paths[i]));
            if (!path.StartsWith(temporary + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new BasinException("--cluster", $"a worker sent a file outside the run ({files.Paths[i]})");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, files.Contents[i]);
        }
        if (Directory.Exists(full)) Directory.Delete(full, true);
        Directory.Move(temporary, full);
    }
}
