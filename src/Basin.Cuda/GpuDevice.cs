using System.Runtime.InteropServices;
using System.Runtime.Loader;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Basin.Cuda;

/// <summary>
/// An accelerator with Basin's kernels loaded as a backend: the first CUDA GPU (<c>--device cuda</c>), or ILGPU's CPU
/// accelerator, which runs the same kernels as .NET code (the tests' stand-in for a GPU).
/// </summary>
internal sealed class GpuDevice : IDisposable
{
    const string Driver = "libcuda.so.1";

    readonly Context context;

    public Accelerator Accelerator { get; }
    public CudaBackend Backend { get; }

    GpuDevice(Context context, Accelerator accelerator)
    {
        this.context = context;
        Accelerator = accelerator;
        Backend = new CudaBackend(accelerator);
    }

    /// <summary>What runs the kernels: the GPU's name, its memory and compute capability, or the CPU stand-in.</summary>
    public string Describe => Backend.Describe;

    /// <summary>The first CUDA GPU; an error that says why there is none (no driver library, or no device it finds).</summary>
    public static GpuDevice Cuda()
    {
        // ILGPU asks for "nvcuda", which .NET looks for as libnvcuda.so and libcuda.so; drivers install libcuda.so.1.
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += (_, name) =>
            name.Contains("cuda", StringComparison.OrdinalIgnoreCase) && NativeLibrary.TryLoad(Driver, out var handle) ? handle : IntPtr.Zero;
        if (!NativeLibrary.TryLoad(Driver, out _))
            throw new BasinException("{device}", $"no CUDA device: the NVIDIA driver's {Driver} is not found", "install the NVIDIA driver, or use {device} cpu");
        var context = Context.Create(builder => builder.Cuda().EnableAlgorithms());
        if (context.GetCudaDevices().Count == 0)
        {
            context.Dispose();
            throw new BasinException("{device}", "no CUDA device: the driver finds no GPU", "check nvidia-smi, or use {device} cpu");
        }
        return new GpuDevice(context, context.CreateCudaAccelerator(0));
    }

    /// <summary>ILGPU's CPU accelerator, running the kernels as .NET code: slow, for tests on small shapes.</summary>
    public static GpuDevice Cpu()
    {
        // An emulated NVIDIA GPU: warps of 32 and groups as large as a GPU's.
        var context = Context.Create(builder => builder.CPU(CPUDeviceKind.Nvidia).EnableAlgorithms());
        return new GpuDevice(context, context.CreateCPUAccelerator(0));
    }

    public void Dispose()
    {
        Backend.Dispose();
        Accelerator.Dispose();
        context.Dispose();
    }
}
