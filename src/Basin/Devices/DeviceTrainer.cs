using Basin.Training;

namespace Basin.Devices;

/// <summary>
/// An experiment's independent training runs with their gradients on a device, one run after another, each on its own
/// training examples uploaded for it; a run the GPU does not train (<see cref="DeviceSupport.TrainingRefusal"/>, or unlabelled
/// data) is trained by the CPU engine as without it.
/// </summary>
internal sealed class DeviceTrainer(IBackend backend, int threads = 0) : IRemoteTrainer
{
    /// <summary>Runs trained on the device so far.</summary>
    public int OnGpu { get; private set; }

    public void Train(IReadOnlyList<TrainingTask> tasks)
    {
        foreach (var task in tasks)
        {
            var config = task.Config;
            if (DeviceSupport.TrainingRefusal(config) is not null || task.Train.Labels is null)
            {
                task.Ensure(threads);
                continue;
            }
            using var risk = new DeviceRisk(backend, Models.ModelSpec.Build<float>(config.Model, task.Train.InputShape), task.Train);
            using var passes = new DevicePasses(risk, null);
            TrainingRun.Ensure<float>(config, task.Train, null, task.Directory, threads, passes);
            OnGpu++;
        }
    }
}
