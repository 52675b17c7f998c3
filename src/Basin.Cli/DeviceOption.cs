using System.Runtime.CompilerServices;
using Basin.Cuda;
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
        Description = "cpu, or cuda: the first NVIDIA GPU (so far: losses of linear, convolution, eval-mode BatchNorm, pooling and residual networks, float32)",
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
        var (network, theta) = Float32(landscape, data);
        using var device = GpuDevice.Cuda();
        stderr.WriteLine($"device: {device.Describe}");
        using var train = new GpuRisk(device, network, data);
        using var testRisk = test is null ? null : new GpuRisk(device, network, test);
        using var surface = new GpuSurface(device, train, testRisk, theta);
        return body(landscape.Remote(surface));
    }

    /// <summary>The landscape's network and theta in float32, the GPU's type.</summary>
    static (Basin.Engine.Network<float> Network, float[] Theta) Float32(LossLandscape landscape, DataSet data)
    {
        if (landscape.Float64) throw new BasinException("--device", "the CUDA backend computes in float32", "leave --dtype float64 out, or use --device cpu");
        return (Basin.Models.ModelSpec.Build<float>(landscape.Spec, data.InputShape), Basin.Tensors.Numbers.To<float>(landscape.Theta()));
    }

    /// <summary>The landscape's loss and accuracy on the first GPU, with what ran it. Apart, so that the CPU path never loads ILGPU.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static (Evaluation Evaluation, string Device) Evaluate(LossLandscape landscape, DataSet data)
    {
        var (network, theta) = Float32(landscape, data);
        using var device = GpuDevice.Cuda();
        using var risk = new GpuRisk(device, network, data);
        return (risk.Evaluate(theta), device.Describe);
    }
}
