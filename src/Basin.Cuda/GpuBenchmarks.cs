using Basin.Benchmarks;
using Basin.Devices;
using ILGPU.Runtime.Cuda;

namespace Basin.Cuda;

/// <summary>
/// <c>basin bench --device cuda</c>: the GPU's SGEMM and the passes the landscape tools spend their time in, timed on the
/// device (each call waits for the GPU), beside the device's FP32 peak.
/// </summary>
internal static class GpuBenchmarks
{
    /// <summary>
    /// FP32 FLOP/s the GPU can issue: multiprocessors x 128 FP32 lanes x 2 (an FMA) x clock (the lanes of sm_86 and later
    /// GPUs, Hopper's included; an A100's sm_80 has 64, so its figure is twice its peak). 0 on the CPU stand-in.
    /// </summary>
    public static double PeakFlops(GpuDevice device) =>
        device.Accelerator is CudaAccelerator cuda ? (double)cuda.NumMultiprocessors * 128 * 2 * cuda.ClockRate * 1e3 : 0;

    /// <summary>
    /// SGEMM of <paramref name="size"/>^3; the 784-100-10 MLP's loss over 10,000 images; the ResNet-20's (one input channel,
    /// PyTorch's initialization) eval-mode loss over 10,000 images, and its gradient and Hessian-vector product over 1,000.
    /// </summary>
    public static IReadOnlyList<BenchmarkCase> Run(GpuDevice device, int repeat, string? dataDir, int size = 4096, int images = 10000)
    {
        var backend = device.Backend;
        var cases = new List<BenchmarkCase>();
        var rng = new Tensors.Rng(3);
        float[] Random(long n)
        {
            var x = new float[n];
            for (long i = 0; i < n; i++) x[i] = (float)rng.NextGaussian();
            return x;
        }
        var (a, b, c) = (backend.Upload(Random((long)size * size)), backend.Upload(Random((long)size * size)), backend.Allocate<float>((long)size * size));
        var shape = GemmShape.Of(size, size, size, false, false);
        cases.Add(new BenchmarkCase($"gpu_sgemm_{size}", BenchmarkSuite.Median(repeat, () =>
        {
            backend.Gemm(a, b, c, shape);
            backend.Synchronize();
        }), 2.0 * size * size * size, $"C = A B, {size} x {size}, float32"));
        foreach (var matrix in new[] { a, b, c }) backend.Free(matrix);
        var data = BenchmarkSuite.Images(dataDir, images);
        foreach (var (name, spec, n) in new[] { ("mlp", "mlp:784-100-10", images), ("resnet20", "resnet20(in=1)", images) })
        {
            var network = Models.ModelSpec.Build<float>(spec, data.InputShape);
            var theta = Training.Initialization.Create<float>(network.Layout, "pytorch", 1);
            using var risk = new DeviceRisk(backend, network, data);
            cases.Add(new BenchmarkCase($"gpu_{name}_loss_{n / 1000}k", BenchmarkSuite.Median(repeat, () => risk.Evaluate(theta)), network.ForwardFlops * n,
                $"{spec}, {data.Name}, n={n}, eval mode"));
        }
        var few = data.Take(Math.Min(1000, images));
        var resnet = Models.ModelSpec.Build<float>("resnet20(in=1)", few.InputShape);
        using var fewRisk = new DeviceRisk(backend, resnet, few);
        using var backprop = new DeviceBackprop(fewRisk);
        var weights = backend.Upload(Training.Initialization.Create<float>(resnet.Layout, "pytorch", 1));
        var v = backend.Upload(Random(resnet.ParameterCount));
        var sum = backend.Allocate<float>(resnet.ParameterCount);
        foreach (var (name, pass, passes) in new[] { ("gradient", DevicePass.Gradient, 3.0), ("hvp", DevicePass.HessianVector, 5.0) })
            cases.Add(new BenchmarkCase($"gpu_resnet20_{name}_{few.Count / 1000.0:0.#}k", BenchmarkSuite.Median(repeat, () =>
            {
                backprop.Run(pass, weights, v, 0, few.Count, sum);
                backend.Synchronize();
            }), passes * resnet.ForwardFlops * few.Count, $"resnet20(in=1), {few.Name}, n={few.Count}, eval mode; FLOPs counted as {passes} forward passes"));
        foreach (var vector in new[] { weights, v, sum }) backend.Free(vector);
        return cases;
    }
}
