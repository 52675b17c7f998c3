using System.Runtime.CompilerServices;
using Basin.Cuda;
using Basin.Devices;
using Basin.Objective;

namespace Basin.Cli;

/// <summary>
/// <c>--device cpu|cuda</c>: where a command computes. <c>cuda</c> is the first NVIDIA GPU (ILGPU kernels); without one
/// it is an error that says why. The GPU runs what the CUDA backend has so far and names what it does not.
/// </summary>
/// <param name="cluster">The command's --cluster, if it has one: a cluster's workers compute on their own processors.</param>
internal sealed class DeviceOption(ClusterOption? cluster = null)
{
    public readonly Option<string> Name = new("--device")
    {
        Description = "cpu, or cuda: the first NVIDIA GPU (float32 cross-entropy of linear, convolution, BatchNorm, pooling and residual networks)",
        DefaultValueFactory = _ => "cpu",
    };

    public void AddTo(Command command) => command.Options.Add(Name);

    /// <summary>Whether the command asks for the GPU.</summary>
    public bool Cuda(ParseResult r)
    {
        bool cuda = r.GetValue(Name)!.ToLowerInvariant() switch
        {
            "cpu" => false,
            "cuda" => true,
            var other => throw new BasinException("--device", $"unknown device '{other}'", "use cpu or cuda"),
        };
        if (cuda && cluster is not null && r.GetValue(cluster.Address) is not null)
            throw new BasinException("--device", "a cluster's workers compute on their own processors", "leave --device cuda or --cluster out");
        return cuda;
    }

    /// <summary>
    /// Runs <paramref name="body"/> on the landscape, its surfaces computed on the first GPU when the command asks for it
    /// (the data, and <paramref name="test"/>'s, uploaded once).
    /// </summary>
    public T Run<T>(ParseResult r, LossLandscape landscape, DataSet data, DataSet? test, TextWriter stderr, Func<LossLandscape, T> body) =>
        Cuda(r) ? OnGpu(landscape, data, test, stderr, body) : body(landscape);

    [MethodImpl(MethodImplOptions.NoInlining)]
    static T OnGpu<T>(LossLandscape landscape, DataSet data, DataSet? test, TextWriter stderr, Func<LossLandscape, T> body)
    {
        Refuse(landscape);
        using var device = GpuDevice.Cuda();
        stderr.WriteLine($"device: {device.Describe}");
        return On(device.Backend, landscape, data, test, body);
    }

    /// <summary>
    /// Runs <paramref name="body"/> on the landscape with its surfaces and full passes computed by <paramref name="backend"/>:
    /// theta and the data uploaded once, the landscape's running statistics followed as they change.
    /// </summary>
    internal static T On<T>(IBackend backend, LossLandscape landscape, DataSet data, DataSet? test, Func<LossLandscape, T> body)
    {
        var (network, theta) = Float32(landscape, data);
        using var train = new DeviceRisk(backend, network, data, statistics: landscape.Buffers);
        using var testRisk = test is null ? null : new DeviceRisk(backend, network, test, statistics: landscape.Buffers);
        var settings = landscape.Settings;
        using var surface = new DeviceSurface(train, testRisk, theta, settings.L2,
            remote => new Basin.Objective.EmpiricalRisk<float>(network, data, settings.Loss, settings.L2, settings.Batch, settings.Threads) { Remote = remote },
            settings.UpdateBatchNorm ? (network, landscape.Buffers) : null);
        return body(landscape.Remote(surface));
    }

    /// <summary>Runs <paramref name="body"/> with an experiment's independent runs trained on the first GPU.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static T Trainer<T>(TextWriter stderr, Func<Training.IRemoteTrainer, T> body)
    {
        using var device = GpuDevice.Cuda();
        stderr.WriteLine($"device: {device.Describe}");
        return body(new DeviceTrainer(device.Backend));
    }

    /// <summary>Where a trajectory's plane is surfaced: on the first GPU when the command asks for it, else here (null).</summary>
    public Action<LossLandscape, Action<LossLandscape>>? Plane(ParseResult r, TextWriter stderr) => Cuda(r)
        ? (point, action) => Run(r, point, point.Data, null, stderr, moved =>
        {
            action(moved);
            return 0;
        })
        : null;

    /// <summary>Trains the run, its gradients computed on the first GPU when the command asks for it.</summary>
    public void Train(ParseResult r, Training.TrainingRun run, TextWriter stderr, Action body)
    {
        if (!Trains(r, run.Config)) body();
        else TrainOnGpu(run, stderr, body);
    }

    /// <summary>Whether the run trains on the GPU; an error, before anything is written, for settings the GPU does not train.</summary>
    public bool Trains(ParseResult r, Training.RunConfig config)
    {
        if (!Cuda(r)) return false;
        if (DeviceSupport.TrainingRefusal(config) is { } refusal) throw refusal;
        return true;
    }

    static void TrainOnGpu(Training.TrainingRun run, TextWriter stderr, Action body) => TrainingPasses(run.Config, run.Train, stderr, passes =>
    {
        run.Remote = passes;
        body();
    });

    /// <summary>
    /// Runs <paramref name="body"/> with the full-batch passes of training runs of <paramref name="config"/> on
    /// <paramref name="train"/> on the first GPU (the settings checked by <see cref="Trains"/> first).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void TrainingPasses(Training.RunConfig config, DataSet train, TextWriter stderr, Action<Basin.Objective.IRemoteRisk> body)
    {
        var network = Basin.Models.ModelSpec.Build<float>(config.Model, train.InputShape);
        using var device = GpuDevice.Cuda();
        stderr.WriteLine($"device: {device.Describe}");
        using var risk = new DeviceRisk(device.Backend, network, train);
        using var passes = new DevicePasses(risk, null);
        body(passes);
    }

    /// <summary>The landscape's network and theta in float32, the GPU's type, for a loss the GPU computes.</summary>
    static (Basin.Engine.Network<float> Network, float[] Theta) Float32(LossLandscape landscape, DataSet data)
    {
        Refuse(landscape);
        return (Basin.Models.ModelSpec.Build<float>(landscape.Spec, data.InputShape), Basin.Tensors.Numbers.To<float>(landscape.Theta()));
    }

    /// <summary>An error, before the device is asked for, when the GPU cannot compute the landscape's loss in its dtype.</summary>
    static void Refuse(LossLandscape landscape)
    {
        if (DeviceSupport.Refusal(landscape.Settings.Loss, landscape.Float64 ? "float64" : "float32") is { } refusal) throw refusal;
    }

    /// <summary>The GPU's benchmarks against its FP32 peak, with how the peak is counted and what ran them.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static (Basin.Benchmarks.BenchmarkReport Report, string Peak, string Device) Bench(int repeat, string? dataDir)
    {
        using var device = GpuDevice.Cuda();
        var cases = GpuBenchmarks.Run(device, repeat, dataDir);
        return (new Basin.Benchmarks.BenchmarkReport(0, GpuBenchmarks.PeakFlops(device), cases), "multiprocessors x 128 FP32 lanes x 2 x clock", device.Describe);
    }

    /// <summary>The landscape's loss and accuracy on the first GPU, with what ran it. Apart, so that the CPU path never loads ILGPU.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static (Evaluation Evaluation, string Device) Evaluate(LossLandscape landscape, DataSet data)
    {
        Refuse(landscape);
        using var device = GpuDevice.Cuda();
        return (Evaluate(device.Backend, landscape, data), device.Describe);
    }

    /// <summary>The landscape's loss and accuracy computed by <paramref name="backend"/>, with the model's running statistics.</summary>
    internal static Evaluation Evaluate(IBackend backend, LossLandscape landscape, DataSet data)
    {
        var (network, theta) = Float32(landscape, data);
        using var risk = new DeviceRisk(backend, network, data, statistics: landscape.Buffers);
        return risk.Evaluate(theta);
    }
}
