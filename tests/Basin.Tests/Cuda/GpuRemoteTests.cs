using Basin.Cuda;
using Basin.Devices;
using Basin.Curvature;
using Basin.Data;
using Basin.Models;
using Basin.Tensors;

namespace Basin.Tests.Cuda;

/// <summary>
/// A point's full passes on the GPU (ILGPU's CPU accelerator here) as its remote: curvature and sharpness computed from
/// the GPU's shard and wave sums equal the CPU engine's to float32 rounding, with l2 and shards over two waves. (The CPU
/// accelerator takes milliseconds a barrier: measures of hundreds of passes are left to the engine's own tests.)
/// </summary>
public sealed class GpuRemoteTests : IDisposable
{
    const string Spec = "flatten,linear(72,12),tanh,linear(12,10)";
    readonly GpuDevice device = GpuDevice.Cpu();
    IBackend backend => device.Backend;

    public void Dispose() => device.Dispose();

    static (LossLandscape Point, Basin.Engine.Network<float> Network) Point()
    {
        var rng = new Rng(3, 0);
        const int n = 30;
        var data = new DataSet("random", [2, 6, 6], [.. Enumerable.Range(0, n * 72).Select(_ => (float)rng.NextDouble())],
            [.. Enumerable.Range(0, n).Select(_ => (int)(rng.NextDouble() * 10))], 10);
        var network = Basin.Models.ModelSpec.Build<float>(Spec, data.InputShape);
        var theta = Numbers.ToDouble<double>(TestNets.RandomVector<double>(network.ParameterCount, 4, 0.3));
        // Shards of 3: 10 shards in two waves.
        return (LossLandscape.At(Spec, theta, data, l2: 1e-3, batch: 3, threads: 1), network);
    }

    DeviceSurface Remote(LossLandscape point, Basin.Engine.Network<float> network) =>
        new(new DeviceRisk(backend, network, point.Data), null, Numbers.To<float>(point.Theta()), point.Settings.L2);

    static void Close(double expected, double got, double relative) =>
        Assert.True(Math.Abs(got - expected) <= relative * Math.Abs(expected), $"expected {expected}, got {got}");

    static void Close(double[] expected, double[] got, double relative)
    {
        double error = Math.Sqrt(expected.Zip(got, (e, g) => (e - g) * (e - g)).Sum()), norm = Math.Sqrt(expected.Sum(e => e * e));
        Assert.True(error <= relative * norm, $"relative error {error / norm:g3}");
    }

    [Fact]
    public void The_hessians_product_and_quadratic_form_from_the_gpus_wave_and_shard_sums_equal_the_cpus()
    {
        var (point, network) = Point();
        var x = Numbers.ToDouble<double>(TestNets.RandomVector<double>(point.ParameterCount, 9, 1));
        var here = point.Hessian();
        using var gpu = Remote(point, network);
        var there = point.Remote(gpu).Hessian();
        var (hx, gx) = (new double[x.Length], new double[x.Length]);
        here.Apply(x, hx);
        there.Apply(x, gx);
        Close(hx, gx, 1e-4);
        Close(((IQuadraticForm)here).Quadratic(x), ((IQuadraticForm)there).Quadratic(x), 1e-4);
    }

    [Fact]
    public void A_surfaces_hessian_extremes_per_cell_on_the_gpu_equal_the_cpus()
    {
        var (point, network) = Point();
        var options = new Basin.Landscape.SurfaceOptions
        {
            X = new Basin.Landscape.Axis(-1, 1, 2), Seed = 3, EigenSteps = 6,
        };
        var here = point.Surface(options).Surface;
        var settings = point.Settings;
        using var gpu = new DeviceSurface(new DeviceRisk(backend, network, point.Data), null, Numbers.To<float>(point.Theta()), settings.L2,
            remote => new Basin.Objective.EmpiricalRisk<float>(network, point.Data, settings.Loss, settings.L2, settings.Batch, 1) { Remote = remote });
        var there = point.Remote(gpu).Surface(options).Surface;
        for (int c = 0; c < here.Cells; c++)
        {
            Close(here.MaxEig![c], there.MaxEig![c], 1e-3);
            Close(here.MinEig![c], there.MinEig![c], 1e-2);
            Close(here.TrainLoss[c], there.TrainLoss[c], 1e-5);
        }
    }

    [Fact]
    public void Lanczos_top_eigenvalue_from_the_gpus_products_equals_the_cpus()
    {
        var (point, network) = Point();
        var options = new CurvatureOptions { Top = 1, LanczosSteps = 6, Seed = 5 };
        var here = point.Curvature(options);
        using var gpu = Remote(point, network);
        var there = point.Remote(gpu).Curvature(options);
        Close(here.Top!.Values[0], there.Top!.Values[0], 1e-4);
        Assert.Equal(here.Products, there.Products);
    }

    [Fact]
    public void Sam_sharpness_from_the_gpus_gradient_and_losses_equals_the_cpus()
    {
        var (point, network) = Point();
        var options = new SharpnessOptions { Measures = ["sam"], Seed = 2 };
        var here = point.Sharpness(options);
        using var gpu = Remote(point, network);
        var there = point.Remote(gpu).Sharpness(options);
        Assert.Equal(here.Select(m => m.Name), there.Select(m => m.Name));
        for (int i = 0; i < here.Count; i++) Close(here[i].Value, there[i].Value, 1e-4);
    }

    [Theory]
    [InlineData("gd")]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void Training_with_the_gpus_gradients_follows_the_cpus_path(string optimizer)
    {
        var data = DataCatalog.Load("gaussian-mixture(d=5,classes=3,separation=2)", "train", n: 60);
        var config = new Basin.Training.RunConfig
        {
            Model = "linear(5,16),tanh,linear(16,3)", Data = "gaussian-mixture", Optimizer = optimizer, LearningRate = optimizer == "adam" ? 0.01 : 0.5,
            Momentum = optimizer == "sgd" ? 0.9 : 0, L2 = 1e-3, Batch = 16, Shard = 8, Seed = 3, Steps = 6, Test = false,
        };
        var here = new Basin.Training.RunDirectory(TestPaths.NewDirectory("gpu-gd"));
        var cpu = new Basin.Training.Trainer<float>(config, data, null, here, 1);
        cpu.Run(resume: false);
        var there = new Basin.Training.RunDirectory(TestPaths.NewDirectory("gpu-gd"));
        using var risk = new DeviceRisk(backend, cpu.Network, data);
        var passes = new Counting(new DevicePasses(risk, null));
        new Basin.Training.Trainer<float>(config, data, null, there, 1, passes).Run(resume: false);
        // Every step's gradient came from the GPU: full passes for gd, minibatches (gathered there) for the others.
        Assert.Equal(6, optimizer == "gd" ? passes.Passes : passes.Minibatches);
        var layout = cpu.Network.Layout;
        var start = SafeTensors.ReadTheta<float>(here.CheckpointPath(0), layout);
        var (a, b) = (SafeTensors.ReadTheta<float>(here.FinalPath, layout), SafeTensors.ReadTheta<float>(there.FinalPath, layout));
        // The path moved, and both processes moved it the same way.
        Close([.. a.Zip(start, (x, y) => (double)x - y)], [.. b.Zip(start, (x, y) => (double)x - y)], 1e-4);
    }

    [Theory]
    [InlineData("gd")]
    [InlineData("sgd")]
    public void A_batchnorm_net_trains_on_the_gpu_in_train_mode_along_the_cpus_path(string optimizer)
    {
        var data = DataCatalog.Load("gaussian-mixture(d=5,classes=3,separation=2)", "train", n: 60);
        var config = new Basin.Training.RunConfig
        {
            Model = "linear(5,16),batchnorm1d(16),tanh,linear(16,3)", Data = "gaussian-mixture", Optimizer = optimizer, LearningRate = 0.5,
            Momentum = 0.9, Batch = 16, Shard = 16, Seed = 3, Steps = 6, Test = false,
        };
        var here = new Basin.Training.RunDirectory(TestPaths.NewDirectory("gpu-bn"));
        var cpu = new Basin.Training.Trainer<float>(config, data, null, here, 1);
        cpu.Run(resume: false);
        var there = new Basin.Training.RunDirectory(TestPaths.NewDirectory("gpu-bn"));
        using var risk = new DeviceRisk(backend, Basin.Models.ModelSpec.Build<float>(config.Model, data.InputShape), data);
        var passes = new Counting(new DevicePasses(risk, null));
        var gpu = new Basin.Training.Trainer<float>(config, data, null, there, 1, passes);
        gpu.Run(resume: false);
        // Every step, gradient descent's full batch too, was a train-mode minibatch pass on the GPU.
        Assert.Equal(6, passes.Minibatches);
        Assert.Equal(0, passes.Passes);
        var layout = cpu.Network.Layout;
        var start = SafeTensors.ReadTheta<float>(here.CheckpointPath(0), layout);
        var (a, b) = (SafeTensors.ReadTheta<float>(here.FinalPath, layout), SafeTensors.ReadTheta<float>(there.FinalPath, layout));
        Close([.. a.Zip(start, (x, y) => (double)x - y)], [.. b.Zip(start, (x, y) => (double)x - y)], 1e-4);
        // The running statistics moved as the CPU's (from mean 0 and variance 1), six batches counted.
        Close([.. cpu.Network.Buffers.Values.Select((x, i) => x - (i < 16 ? 0 : 1))], [.. gpu.Network.Buffers.Values.Select((x, i) => x - (i < 16 ? 0 : 1))], 1e-5);
        Assert.Equal([6L], gpu.Network.Buffers.Counts);
    }

    [Fact]
    public void A_trajectorys_plane_surfaced_on_the_gpu_equals_the_cpus_to_float32_rounding()
    {
        string[] runs = Basin.Tests.Cli.CliRunner.TwoRuns(TestPaths.NewDirectory("gpu-trajectory"), 2);
        var options = new Basin.Trajectories.TrajectoryOptions { SurfaceGrid = 4 };
        var here = Basin.Trajectories.Trajectory.Of(runs, options).Plane!;
        var there = Basin.Trajectories.Trajectory.Of(runs, options with
        {
            Device = (point, action) =>
            {
                using var risk = new DeviceRisk(backend, Basin.Models.ModelSpec.Build<float>(point.Spec, point.Data.InputShape), point.Data);
                using var gpu = new DeviceSurface(risk, null, Numbers.To<float>(point.Theta()), point.Settings.L2);
                action(point.Remote(gpu));
            },
        }).Plane!;
        Assert.All(there.Done, Assert.True);
        for (int c = 0; c < here.Cells; c++)
        {
            Close(here.TrainLoss[c], there.TrainLoss[c], 1e-5);
            Assert.Equal(here.TrainAccuracy[c], there.TrainAccuracy[c]);
        }
    }

    [Fact]
    public void Perturb_and_retrain_with_the_gpus_gradients_follows_the_cpus_path()
    {
        string dir = TestPaths.NewDirectory("gpu-perturb");
        string run = Basin.Tests.Cli.CliRunner.TwoRuns(dir, 3)[0];
        Counting? counting = null;
        var here = Basin.Connectivity.PerturbStudy.Run(run, 0.1, 1, 4, "gd", 0.5, Path.Combine(dir, "cpu"), 1);
        var there = Basin.Connectivity.PerturbStudy.Run(run, 0.1, 1, 4, "gd", 0.5, Path.Combine(dir, "gpu"), 1, (config, train, body) =>
        {
            using var risk = new DeviceRisk(backend, Basin.Models.ModelSpec.Build<float>(config.Model, train.InputShape), train);
            using var passes = new DevicePasses(risk, null);
            body(counting = new Counting(passes));
        });
        Assert.True(counting!.Passes >= 4, $"{counting.Passes} passes on the GPU");
        var (a, b) = (here.Runs[0].Rows, there.Runs[0].Rows);
        Assert.Equal(a.Count, b.Count);
        // The retraining moved the loss, and both processes moved it the same way.
        Assert.NotEqual(a[0].TrainLoss, a[^1].TrainLoss);
        for (int i = 0; i < a.Count; i++) Close(a[i].TrainLoss, b[i].TrainLoss, 1e-5);
        Close(here.Distance[1, 0], there.Distance[1, 0], 1e-4);
    }

    [Fact]
    public void A_bezier_curve_trained_with_the_gpus_minibatch_gradients_follows_the_cpus()
    {
        var (a, network) = Point();
        var b = a.At(Numbers.ToDouble<double>(TestNets.RandomVector<double>(a.ParameterCount, 8, 0.3)));
        var options = new Basin.Connectivity.PathOptions(Basin.Connectivity.PathKind.Bezier) { Epochs = 2, Points = 5, Seed = 4 };
        var here = a.Connect(b, options);
        using var gpu = Remote(a, network);
        var counting = new CountingWorkers(gpu);
        var there = a.Remote(counting).Connect(b, options);
        // Each epoch's single minibatch (30 examples, batches of 128) came from the GPU.
        Assert.Equal(2, counting.Minibatches);
        for (int i = 0; i < here.Train.Length; i++) Close(here.Train[i].Loss, there.Train[i].Loss, 1e-4);
    }

    [Fact]
    public void An_experiments_runs_train_on_the_gpu_where_they_can_and_on_the_cpu_where_not()
    {
        var data = DataCatalog.Load("gaussian-mixture(d=5,classes=3,separation=2)", "train", n: 60);
        var mlp = new Basin.Training.RunConfig
        {
            Model = "linear(5,16),tanh,linear(16,3)", Data = "gaussian-mixture", Optimizer = "sgd", LearningRate = 0.5, Momentum = 0.9, Batch = 16, Shard = 8,
            Seed = 3, Steps = 6, Test = false,
        };
        var normed = mlp with { Model = "linear(5,16),batchnorm1d(16),tanh,linear(16,3)", Shard = 16, DType = "float64" };
        string dir = TestPaths.NewDirectory("gpu-experiment");
        var here = new Basin.Training.TrainingTask(mlp, data, Path.Combine(dir, "cpu")).Ensure(1);
        var trainer = new DeviceTrainer(backend, 1);
        trainer.Train([new Basin.Training.TrainingTask(mlp, data, Path.Combine(dir, "gpu")), new Basin.Training.TrainingTask(normed, data, Path.Combine(dir, "bn"))]);
        // The MLP on the GPU, the float64 net on the CPU, both finished.
        Assert.Equal(1, trainer.OnGpu);
        Assert.True(new Basin.Training.TrainingTask(normed, data, Path.Combine(dir, "bn")).Finished);
        var layout = Basin.Models.ModelSpec.Build<float>(mlp.Model, data.InputShape).Layout;
        var start = SafeTensors.ReadTheta<float>(here.CheckpointPath(0), layout);
        var (a, b) = (SafeTensors.ReadTheta<float>(here.FinalPath, layout), SafeTensors.ReadTheta<float>(Path.Combine(dir, "gpu", "final.safetensors"), layout));
        Close([.. a.Zip(start, (x, y) => (double)x - y)], [.. b.Zip(start, (x, y) => (double)x - y)], 1e-4);
    }

    /// <summary>A GPU surface that counts the minibatches it runs.</summary>
    sealed class CountingWorkers(DeviceSurface inner) : Basin.Landscape.IRemoteWorkers, Basin.Objective.IRemoteMinibatch
    {
        public int Minibatches { get; private set; }
        public string Name => inner.Name;

        public double SumGradient(double[] theta, int[] indices, double[] gradientSum, double[] batchStatistics, Basin.Data.ImageCrops? crops)
        {
            Minibatches++;
            return inner.SumGradient(theta, indices, gradientSum, batchStatistics, crops);
        }

        public IReadOnlyList<Basin.Objective.ShardSums<T>> Sum<T>(Basin.Objective.EmpiricalRisk<T>.Pass pass, double[]? theta, double[] v, int waves, int shardSize)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => inner.Sum(pass, theta, v, waves, shardSize);

        public void Complete(Basin.Landscape.Surface surface, double[] dx, double[]? dy, int? eigenSteps, double saveSeconds, Action<Basin.Landscape.Surface>? save,
            Action<int>? progress, CancellationToken cancel) => inner.Complete(surface, dx, dy, eigenSteps, saveSeconds, save, progress, cancel);
    }

    /// <summary>A remote that counts the passes and minibatches it runs.</summary>
    sealed class Counting(Basin.Objective.IRemoteRisk inner) : Basin.Objective.IRemoteRisk, Basin.Objective.IRemoteMinibatch
    {
        public int Passes { get; private set; }
        public int Minibatches { get; private set; }
        public string Name => inner.Name;

        public double SumGradient(double[] theta, int[] indices, double[] gradientSum, double[] batchStatistics, Basin.Data.ImageCrops? crops)
        {
            Minibatches++;
            return ((Basin.Objective.IRemoteMinibatch)inner).SumGradient(theta, indices, gradientSum, batchStatistics, crops);
        }

        public IReadOnlyList<Basin.Objective.ShardSums<T>> Sum<T>(Basin.Objective.EmpiricalRisk<T>.Pass pass, double[]? theta, double[] v, int waves, int shardSize)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            Passes++;
            return inner.Sum(pass, theta, v, waves, shardSize);
        }
    }
}
