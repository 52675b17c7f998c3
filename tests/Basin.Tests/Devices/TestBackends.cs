using Basin.Cuda;
using Basin.Devices;

namespace Basin.Tests.Devices;

/// <summary>
/// The backends a device test runs on: the CPU engine's (<see cref="CpuBackend"/>) and the CUDA kernels on ILGPU's CPU
/// accelerator (the GPU code as .NET, slow: small shapes only), made on first use and disposed with the test class.
/// </summary>
public sealed class TestBackends : IDisposable
{
    public static readonly string[] Names = ["cpu", "cuda-kernels"];

    GpuDevice? device;

    /// <summary>Each network case on each backend, the backend's name first.</summary>
    public static TheoryData<string, string, int, int> On((string Spec, int N, int Chunk)[] cases)
    {
        var data = new TheoryData<string, string, int, int>();
        foreach (var (spec, n, chunk) in cases)
            foreach (var backend in Names) data.Add(backend, spec, n, chunk);
        return data;
    }

    public static TheoryData<string, string> On(string[] specs)
    {
        var data = new TheoryData<string, string>();
        foreach (var spec in specs)
            foreach (var backend in Names) data.Add(backend, spec);
        return data;
    }

    internal IBackend this[string name] => name switch
    {
        "cpu" => new CpuBackend(2),
        "cuda-kernels" => (device ??= GpuDevice.Cpu()).Backend,
        _ => throw new ArgumentException(name, nameof(name)),
    };

    public void Dispose() => device?.Dispose();
}
