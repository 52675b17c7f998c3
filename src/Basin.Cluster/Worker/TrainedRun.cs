using System.Diagnostics;
using Basin.Cluster.Messages;
using Basin.Data;
using Basin.Training;

namespace Basin.Cluster.Worker;

/// <summary>A training run as a worker does it: trained in a temporary directory of its own, its files read back, the directory removed.</summary>
internal static class TrainedRun
{
    public static RunFilesMessage Files(TrainingMessage message, Func<DataRequest, DataSet> load, int threads)
    {
        long start = Stopwatch.GetTimestamp();
        string root = Path.Combine(Path.GetTempPath(), $"basin-worker-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            var config = RunConfig.FromJson(message.Config, message.Name);
            var data = message.Source is { } source ? load(source)
                : message.Examples?.ToDataSet() ?? throw new ArgumentException($"the run {message.Name} came without examples");
            new TrainingTask(config, data, root).Ensure(threads);
            var paths = Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToArray();
            return new RunFilesMessage(paths, [.. paths.Select(p => File.ReadAllBytes(Path.Combine(root, p)))], Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        catch (BasinException e)
        {
            return new RunFilesMessage([], [], 0, new WorkerRefusal(e.What, e.Why, e.Hint));
        }
        catch (TrainingDivergedException e)
        {
            return new RunFilesMessage([], [], 0, new WorkerRefusal(message.Name, $"training diverged on a worker: {e.Message}", "lower the learning rate"));
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, true);
        }
    }
}
