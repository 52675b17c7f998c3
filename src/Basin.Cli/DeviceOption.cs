using System.Runtime.CompilerServices;
using Basin.Cuda;
using Basin.Objective;

namespace Basin.Cli;

/// <summary>
/// <c>--device cpu|cuda</c>: where a command computes. <c>cuda</c> is the first NVIDIA GPU (ILGPU kernels); without one
/// it is an error that says why. The GPU runs what the CUDA backend has so far and names what it does not.
/// </summary>
internal sealed class DeviceOption
{
    public readonly Option<string> Name = new("--device")
    {
        Description = "cpu, or cuda: the first NVIDIA GPU (so far: the loss of linear layers and their activations, float32)",
        DefaultValueFactory = _ => "cpu",
    };

    public void AddTo(Command command) => command.Options.Add(Name);

    /// <summary>Whether the command asks for the GPU.</summary>
    public bool Cuda(ParseResult r) => r.GetValue(Name)!.ToLowerInvariant() switch
    {
        "cpu" => false,
        "cuda" => true,
        var other => throw new BasinException("--device", $"unknown device '{other}'", "use cpu or cuda"),
    };

    /// <summary>The landscape's loss and accuracy on the first GPU, with what ran it. Apart, so that the CPU path never loads ILGPU.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static (Evaluation Evaluation, string Device) Evaluate(LossLandscape landscape, DataSet data)
    {
        if (landscape.Float64) throw new BasinException("--device", "the CUDA backend computes in float32", "leave --dtype float64 out, or use --device cpu");
        var network = Basin.Models.ModelSpec.Build<float>(landscape.Spec, data.InputShape);
        var theta = Basin.Tensors.Numbers.To<float>(landscape.Theta());
        using var device = GpuDevice.Cuda();
        return (GpuEvaluation.Evaluate(device, network, theta, data), device.Describe);
    }
}
