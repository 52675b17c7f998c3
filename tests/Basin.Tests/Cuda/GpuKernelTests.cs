using System.Reflection;
using Basin.Cuda;
using Basin.Devices;
using Basin.Cuda.Kernels;
using Basin.Data;
using Basin.Engine.Layers;
using Basin.Tensors;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Basin.Tests.Cuda;

/// <summary>
/// Every GPU kernel on ILGPU's CPU accelerator (the kernels as .NET code) against the CPU engine or exact sums on small
/// shapes, and compiled to PTX for sm_90, which catches what the CPU accelerator cannot (IL ILGPU cannot translate).
/// </summary>
public sealed class GpuKernelTests : IDisposable
{
    readonly GpuDevice device = GpuDevice.Cpu();
    IBackend backend => device.Backend;

    public void Dispose() => device.Dispose();

    static float[] Random(int n, ulong seed)
    {
        var rng = new Rng(seed, 0);
        return Enumerable.Range(0, n).Select(_ => (float)rng.NextGaussian()).ToArray();
    }

    [Theory]
    // None a multiple of the tiles (64 x 64, 16 deep); the second spans several tiles of C, and adds to C.
    [InlineData(false, false, 19, 23, 37, false)]
    [InlineData(false, true, 19, 23, 37, false)]
    [InlineData(true, false, 19, 23, 37, false)]
    [InlineData(true, true, 19, 23, 37, false)]
    [InlineData(false, false, 70, 130, 45, true)]
    [InlineData(false, true, 130, 70, 45, true)]
    [InlineData(true, false, 70, 130, 45, true)]
    public void Gemm_in_each_layout_equals_the_product_summed_in_float64(bool transposeA, bool transposeB, int m, int n, int k, bool accumulate)
    {
        var a = Random(m * k, 1);
        var b = Random(k * n, 2);
        var c0 = Random(m * n, 3);
        var da = backend.Upload(a);
        var db = backend.Upload(b);
        var dc = backend.Upload(c0);
        var shape = GemmShape.Of(m, n, k, transposeA, transposeB, accumulate);
        backend.Gemm(da, db, dc, shape);
        var c = backend.Download(dc);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double expected = accumulate ? c0[i * n + j] : 0;
                for (int p = 0; p < k; p++) expected += (double)a[transposeA ? p * m + i : i * k + p] * b[transposeB ? j * k + p : p * n + j];
                Assert.True(Math.Abs(c[i * n + j] - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"C[{i},{j}] = {c[i * n + j]}, expected {expected}");
            }
    }

    public static TheoryData<string> Activations => ["relu", "tanh", "sigmoid", "softplus"];

    [Theory]
    [MemberData(nameof(Activations))]
    public void Activations_and_their_two_derivatives_after_a_bias_equal_the_engines(string name)
    {
        const int rows = 7, width = 9;
        var z = Random(rows * width, 3).Select(v => 4 * v).Append(25f).Append(-0.0f).ToArray();
        var bias = Random(width, 4);
        IActivation<float> f = name switch
        {
            "relu" => new Relu<float>(), "tanh" => new Tanh<float>(), "sigmoid" => new Sigmoid<float>(), _ => new Softplus<float>(),
        };
        var x = z.Select((v, i) => v + bias[i % width]).ToArray();
        var dz = backend.Upload(z);
        var db = backend.Upload(bias);
        var dout = backend.Allocate<float>(z.Length);
        for (int order = 0; order < 3; order++)
        {
            backend.Activation(dz, db, dout, width, ActivationKinds.Of(name), order);
            var expected = new float[x.Length];
            if (order == 0) f.Value(x, expected);
            else if (order == 1) f.FirstDerivative(x, expected);
            else f.SecondDerivative(x, expected);
            var got = backend.Download(dout);
            for (int i = 0; i < x.Length; i++)
                Assert.True(Math.Abs(got[i] - expected[i]) <= 2e-6 * (1 + Math.Abs(expected[i])), $"{name}^({order})({x[i]}) = {got[i]}, the engine's {expected[i]}");
        }
    }

    [Fact]
    public void An_unknown_activation_is_a_clear_error()
    {
        var e = Assert.Throws<BasinException>(() => ActivationKinds.Of("gelu"));
        Assert.Contains("no gelu activation", e.Why);
    }

    [Fact]
    public void The_fixed_order_sum_is_the_same_bits_every_run_and_the_sum()
    {
        var values = Enumerable.Range(0, 1001).Select(i => 1.0 / (i + 1)).ToArray();
        var dv = backend.Upload(values);
        var total = backend.Allocate<double>(1);
        backend.Sum(dv, total, values.Length);
        double first = backend.Download(total)[0];
        backend.Sum(dv, total, values.Length);
        Assert.Equal(first, backend.Download(total)[0]);
        Assert.Equal(values.Sum(), first, 1e-13);
    }

    [Fact]
    public void A_surface_on_the_gpu_equals_the_cpu_engines_to_float32_rounding_with_its_l2_term()
    {
        const string spec = "linear(784,10),tanh,linear(10,10)";
        // Every GPU thread runs as .NET code here: a small grid of cells on few examples.
        var train = DataCatalog.Load(DataCatalog.Embedded, "train", null, 40);
        var test = DataCatalog.Load(DataCatalog.Embedded, "test", null, 20);
        var theta = Numbers.ToDouble<double>(TestNets.RandomVector<double>(784 * 10 + 10 + 10 * 10 + 10, 6, 0.1));
        // With l2: each cell adds 0.5 l2 ||point||^2, as the engine's plane does.
        var point = LossLandscape.At(spec, theta, train, l2: 0.05, threads: 1);
        var options = new Basin.Landscape.SurfaceOptions { X = new Basin.Landscape.Axis(-1, 1, 3), Y = new Basin.Landscape.Axis(-1, 1, 2), Seed = 3, Test = test };
        var here = point.Surface(options).Surface;
        var network = Basin.Models.ModelSpec.Build<float>(spec, train.InputShape);
        using var trainRisk = new DeviceRisk(backend, network, train);
        using var testRisk = new DeviceRisk(backend, network, test);
        using var gpu = new DeviceSurface(trainRisk, testRisk, Numbers.To<float>(theta), 0.05);
        var there = point.Remote(gpu).Surface(options).Surface;
        Assert.All(there.Done, Assert.True);
        for (int c = 0; c < here.Cells; c++)
        {
            Assert.Equal(here.TrainLoss[c], there.TrainLoss[c], 1e-5 * here.TrainLoss[c]);
            Assert.Equal(here.TestLoss![c], there.TestLoss![c], 1e-5 * here.TestLoss[c]);
            Assert.Equal(here.TrainAccuracy[c], there.TrainAccuracy[c]);
        }
    }

    [Fact]
    public void An_interpolation_on_the_gpu_equals_the_cpu_engines_to_float32_rounding()
    {
        const string spec = "linear(784,10),relu,linear(10,10)";
        var train = DataCatalog.Load(DataCatalog.Embedded, "train", null, 40);
        var a = LossLandscape.At(spec, Numbers.ToDouble<double>(TestNets.RandomVector<double>(7960, 8, 0.1)), train, threads: 1);
        var b = LossLandscape.At(spec, Numbers.ToDouble<double>(TestNets.RandomVector<double>(7960, 9, 0.1)), train, threads: 1);
        var t = new Basin.Landscape.Axis(-0.5, 1.5, 5);
        var here = a.Interpolate(b, t);
        using var risk = new DeviceRisk(backend, Basin.Models.ModelSpec.Build<float>(spec, train.InputShape), train);
        using var gpu = new DeviceSurface(risk, null, Numbers.To<float>(a.Theta()), 0);
        var there = a.Remote(gpu).Interpolate(b, t);
        for (int i = 0; i < t.Count; i++) Assert.Equal(here.Line.TrainLoss[i], there.Line.TrainLoss[i], 1e-5 * here.Line.TrainLoss[i]);
        Assert.Equal(here.Barrier, there.Barrier, 1e-5 * (1 + here.Peak));
    }

    [Theory]
    [InlineData("resnet20(in=1)")]
    [InlineData("resnet56_noshort(in=1)")]
    [InlineData("wrn56_2(in=1)")]
    [InlineData("vgg9(in=1)")]
    public void The_zoos_networks_take_every_parameter_and_buffer_in_their_order(string spec)
    {
        var data = DataCatalog.Load(DataCatalog.Embedded, "train", null, 2);
        var network = Basin.Models.ModelSpec.Build<float>(spec, data.InputShape);
        var steps = DeviceSteps.Flat(DeviceSteps.Compile(network)).ToList();
        // Every tensor of theta is read by exactly one step, at its own offset, in model.parameters() order; and every
        // BatchNorm's running statistics at theirs.
        var offsets = steps.SelectMany(s => s switch
        {
            DeviceSteps.Linear l => new[] { l.Weight, l.Bias },
            DeviceSteps.Conv c => [c.Weight, c.Bias],
            DeviceSteps.Norm n => [n.Weight, n.Bias],
            _ => [],
        }).Where(o => o >= 0);
        Assert.Equal(network.Layout.Tensors.Select(t => t.Offset), offsets);
        Assert.Equal(network.Buffers.Tensors.Where(t => t.Name.EndsWith("running_mean")).Select(t => t.Offset), steps.OfType<DeviceSteps.Norm>().Select(n => n.Statistics));
        Assert.All(steps.OfType<DeviceSteps.Norm>(), n => Assert.Contains(network.Buffers.Tensors, t => t.Name.EndsWith("running_var") && t.Offset == n.Statistics + n.Channels));
    }

    [Fact]
    public void Layers_the_backend_does_not_run_yet_are_named_in_the_error()
    {
        var data = DataCatalog.Load(DataCatalog.Embedded, "train", null, 4);
        var network = Basin.Models.ModelSpec.Build<float>("conv2d(1,2,3),square,flatten,linear(1352,10)", data.InputShape);
        var e = Assert.Throws<BasinException>(() => new DeviceRisk(backend, network, data));
        Assert.Equal("{device}", e.What);
        Assert.Contains("square", e.Why);
    }

    /// <summary>Every kernel: each type of the kernels' namespace with a static Run.</summary>
    static string[] KernelNames => [.. typeof(CudaBackend).Assembly.GetTypes()
        .Where(t => t.Namespace == "Basin.Cuda.Kernels" && t.GetMethod("Run", BindingFlags.Public | BindingFlags.Static) is not null).Select(t => t.Name).Order()];

    public static TheoryData<string> Kernels => [.. KernelNames];

    [Fact]
    public void The_kernels_are_all_found()
    {
        Assert.Equal(["ActivationDerivativeKernel", "ActivationKernel", "AddKernel", "AugmentKernel", "AvgPoolBackwardKernel", "AvgPoolKernel", "BatchNormKernel",
            "ChannelReduceKernel", "ChannelTotalKernel", "ChannelsKernel", "Col2ImKernel", "ColumnsKernel", "CrossEntropyBackwardKernel", "CrossEntropyKernel",
            "GatherKernel", "GemmKernel", "Im2ColKernel", "MaxPoolBackwardKernel", "MaxPoolKernel", "MaxPoolTangentKernel", "NormBackwardKernel", "NormScaleKernel", "PlanePointKernel", "SumKernel"],
            KernelNames);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Each_kernel_compiles_to_ptx_for_an_sm_90_device(string kernel)
    {
        var type = typeof(CudaBackend).Assembly.GetType("Basin.Cuda.Kernels." + kernel)!;
        var method = type.GetMethod("Run", BindingFlags.Public | BindingFlags.Static)!;
        bool implicitlyGrouped = method.GetParameters()[0].ParameterType == typeof(Index1D);
        using var context = Context.Create(builder => builder.Cuda().EnableAlgorithms());
        using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_78, null!);
        var entry = implicitlyGrouped ? EntryPointDescription.FromImplicitlyGroupedKernel(method) : EntryPointDescription.FromExplicitlyGroupedKernel(method);
        var compiled = (PTXCompiledKernel)backend.Compile(entry, default(KernelSpecialization));
        Assert.Contains(".entry", compiled.PTXAssembly);
        // ILGPU writes sm_80 PTX at most, which the driver compiles for Hopper when the kernel is loaded.
        Assert.Contains(".version 7.8\n.target sm_80", compiled.PTXAssembly[..200]);
    }

    [Fact]
    public void Without_a_driver_cuda_is_a_clear_error_and_with_one_a_device()
    {
        if (System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out _))
        {
            using var gpu = GpuDevice.Cuda();
            Assert.False(string.IsNullOrEmpty(gpu.Describe));
            return;
        }
        var e = Assert.Throws<BasinException>(GpuDevice.Cuda);
        Assert.Equal("{device}", e.What);
        Assert.Contains("libcuda.so.1 is not found", e.Why);
    }
}
