using System.Diagnostics;
using Basin.Curvature;
using Basin.Data;
using Basin.Models;
using Basin.Objective;
using Basin.Tensors;
using Basin.Training;

namespace Basin.Benchmarks;

/// <summary>
/// Throughput of the kernels and the objective on the cases bench/pytorch_reference.py times in PyTorch: GEMM, an MLP's
/// loss, gradient and Hessian-vector product, the curvature loops PyHessian users run, an SGD epoch and a small CNN.
/// Each case is the median of timed repetitions after three warm-ups.
/// </summary>
internal static class BenchmarkSuite
{
    const string Mlp = "linear(784,100),relu,linear(100,10)";
    const string Cnn = "conv2d(1,8,3,padding=1),relu,maxpool2d(2),conv2d(8,16,3,padding=1),relu,maxpool2d(2),flatten,linear(784,10)";
    const int Shard = 500;

    /// <summary>Runs every case on <paramref name="threads"/> threads; Fashion-MNIST from <paramref name="dataDir"/>, random images when none is found.</summary>
    public static BenchmarkReport Run(int threads, int repeat, string? dataDir)
    {
        var cases = new List<BenchmarkCase>();
        double peak = MeasurePeak(threads);
        {
            int size = 2048;
            var rng = new Rng(1);
            var a = new float[size * size]; var b = new float[size * size]; var c = new float[size * size];
            for (int i = 0; i < a.Length; i++) { a[i] = (float)rng.NextGaussian(); b[i] = (float)rng.NextGaussian(); }
            double s = Median(repeat, () => Gemm.Multiply<float>(false, false, size, size, size, a, size, b, size, c, size, false, threads));
            cases.Add(new BenchmarkCase($"sgemm_{size}", s, 2.0 * size * size * size, $"{size}x{size}x{size} float32"));
        }
        {
            int size = 1024;
            var rng = new Rng(2);
            var a = new double[size * size]; var b = new double[size * size]; var c = new double[size * size];
            for (int i = 0; i < a.Length; i++) { a[i] = rng.NextGaussian(); b[i] = rng.NextGaussian(); }
            double s = Median(repeat, () => Gemm.Multiply<double>(false, false, size, size, size, a, size, b, size, c, size, false, threads));
            cases.Add(new BenchmarkCase($"dgemm_{size}", s, 2.0 * size * size * size, $"{size}x{size}x{size} float64"));
        }

        var data10k = Images(dataDir, 10000);
        var data2k = data10k.Take(2000);
        var net = ModelSpec.Build<float>(Mlp, data10k.InputShape);
        var theta = Initialization.Create<float>(net.Layout, "pytorch", 3);
        var v = new float[theta.Length];
        var rngV = new Rng(4);
        for (int i = 0; i < v.Length; i++) v[i] = (float)rngV.NextGaussian();
        var output = new float[theta.Length];
        double mlpFlops = 2.0 * (784 * 100 + 100 * 10);
        var loss10k = new EmpiricalRisk<float>(net, data10k, "ce", 0, Shard, threads);
        cases.Add(new BenchmarkCase("mlp_loss_10k", Median(repeat, () => loss10k.Evaluate(theta)), mlpFlops * 10000, $"{Mlp}, {data10k.Name}, n=10000"));
        {
            // The 21 x 21 surface of the whole-process benchmark as `basin surface` runs it: a 16-cell chunk, then the rest.
            var dx = Initialization.Create<float>(net.Layout, "pytorch", 5);
            var dy = Initialization.Create<float>(net.Layout, "pytorch", 6);
            var a = new double[441]; var b = new double[441];
            for (int k = 0; k < 441; k++) { a[k] = -1 + 0.1 * (k % 21); b[k] = -1 + 0.1 * (k / 21); }
            var results = new Evaluation[441];
            cases.Add(new BenchmarkCase("mlp_surface_21x21_10k", Median(repeat, () =>
            {
                loss10k.EvaluatePlane(theta, dx, dy, a.AsSpan(0, 16), b.AsSpan(0, 16), results);
                loss10k.EvaluatePlane(theta, dx, dy, a.AsSpan(16), b.AsSpan(16), results.AsSpan(16));
            }), 441 * 2.0 * 100 * 10 * 10000, "441 points of a plane, n=10000; FLOPs counted: the second layer only"));
        }
        // What a command pays once before its first pass: reading the images (a gzip decompressed up to the 10,000th), and
        // the first layer's zero patterns with their packed values (a whole-set pass's first step; eval stays dense).
        cases.Add(new BenchmarkCase("load_10k", Median(repeat, () => Images(dataDir, 10000)), 0, $"{data10k.Name}: the first 10,000 images read (no arithmetic)"));
        cases.Add(new BenchmarkCase("zero_patterns_10k", Median(repeat, () => new EmpiricalRisk<float>(net, data10k, "ce", 0, Shard, threads).PrepareZeroPatterns()), 0,
            "zero patterns and packed values of 10,000 images (no arithmetic)"));
        var obj2k = new EmpiricalRisk<float>(net, data2k, "ce", 0, Shard, threads);
        cases.Add(new BenchmarkCase("mlp_grad_2k", Median(repeat, () => obj2k.Gradient(theta, output)), 2 * mlpFlops * 2000, "n=2000"));
        // Every timed call starts at a theta other than the previous call's, so none reuses the forward pass and
        // deltas an objective keeps for products at one theta: a cold H v costs a forward, a backward, an R-forward and
        // an R-backward, as PyTorch's double backprop; a power iteration or trace pays for its forward pass once.
        var thetas = new[] { theta, Initialization.Create<float>(net.Layout, "pytorch", 33) };
        int call = 0;
        float[] NextTheta() => thetas[call++ % 2];
        cases.Add(new BenchmarkCase("mlp_hvp_2k", Median(repeat, () => obj2k.HessianVectorProduct(NextTheta(), v, output)), 4 * mlpFlops * 2000, "n=2000, a new theta each call"));
        {
            // The curvature cases PyHessian users run: 20 power iterations and a 100-probe Hutchinson trace.
            HessianOperator<float> Hessian() => new(obj2k, NextTheta());
            cases.Add(new BenchmarkCase("mlp_power20_2k", Median(repeat, () => Spectrum.Power(Hessian(), new PowerOptions(1) { MaxIterations = 20, Tolerance = 0, Threads = threads }, 1)),
                (2 + 20 * 2) * mlpFlops * 2000, "20 power iterations, n=2000"));
            cases.Add(new BenchmarkCase("mlp_hutchinson100_2k", Median(3, () => Curvature.Trace.Hutchinson(Hessian(), new ProbeOptions { MaxProbes = 100, RelativeTolerance = 0, MinProbes = 100 }, 2)),
                (2 + 100) * mlpFlops * 2000, "100 Rademacher probes, n=2000, z^T H z by an R-forward each"));
        }
        {
            // One epoch of minibatch SGD as the trainer runs it: seeded permutation, batch 128, shards of 64.
            var trainNet = ModelSpec.Build<float>(Mlp, data10k.InputShape);
            var sgdObjective = new EmpiricalRisk<float>(trainNet, data10k, "ce", 0, 64, threads);
            var w = (float[])theta.Clone();
            var g = new float[w.Length];
            var order = new Rng(9).Permutation(data10k.Count);
            cases.Add(new BenchmarkCase("mlp_sgd_epoch_10k", Median(repeat, () =>
            {
                var sgd = new Sgd<float>(0.9);
                for (int b = 0; b < order.Length; b += 128)
                {
                    sgdObjective.MinibatchGradient(w, order.AsSpan(b, Math.Min(128, order.Length - b)), g);
                    sgd.Step(w, g, 0.01);
                }
            }), 2 * mlpFlops * 10000, "one epoch, batch 128, momentum 0.9"));
        }

        var cnnNet = ModelSpec.Build<float>(Cnn, data2k.InputShape);
        var cnnTheta = Initialization.Create<float>(cnnNet.Layout, "pytorch", 5);
        var cnnObj = new EmpiricalRisk<float>(cnnNet, data2k, "ce", 0, Shard, threads);
        double cnnFlops = 2.0 * (8 * 9 * 784 + 16 * 72 * 196 + 784 * 10);
        cases.Add(new BenchmarkCase("cnn_loss_2k", Median(repeat, () => cnnObj.Evaluate(cnnTheta)), cnnFlops * 2000, "engine-core CNN, n=2000"));
        cases.Add(new BenchmarkCase("cnn_grad_2k", Median(repeat, () => cnnObj.Gradient(cnnTheta, new float[cnnTheta.Length])), 3 * cnnFlops * 2000, "n=2000"));
        ResNet(cases, threads, repeat);
        Strided(cases, threads, repeat);
        return new BenchmarkReport(threads, peak, cases);
    }

    /// <summary>
    /// ResNet's 16 -> 32 channel 3x3 convolution at stride 1 and stride 2 on 32x32 images (forward on 500): the time per
    /// output element should not depend on the stride, though stride 2 unfolds a strided gather.
    /// </summary>
    static void Strided(List<BenchmarkCase> cases, int threads, int repeat)
    {
        var rng = new Rng(8);
        var x = new float[500 * 16 * 32 * 32];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextGaussian();
        var images = new DataSet("random-maps", [16, 32, 32], x, new int[500], 1);
        foreach (int stride in new[] { 1, 2 })
        {
            var net = ModelSpec.Build<float>($"conv2d(16,32,3,stride={stride},padding=1,bias=false),globalavgpool,flatten", images.InputShape);
            var theta = Initialization.Create<float>(net.Layout, "pytorch", 9);
            var risk = new EmpiricalRisk<float>(net, images, "ce", 0, 50, threads);
            int outputs = net.Layers[0].OutputSize;
            cases.Add(new BenchmarkCase($"conv_stride{stride}_500", Median(repeat, () => risk.Evaluate(theta)), net.ForwardFlops * 500,
                $"conv2d(16,32,3,stride={stride},padding=1), 32x32, n=500, {outputs * 500.0 / 1e6:F1} M outputs"));
        }
    }

    /// <summary>
    /// loss-landscape's ResNet-20 on 32x32x3 images (random, as bench/pytorch_zoo.py bench times it): the eval-mode forward
    /// on 1,000, one training step (train-mode forward, backward, momentum SGD) on 128, one eval-mode H v on 256.
    /// </summary>
    static void ResNet(List<BenchmarkCase> cases, int threads, int repeat)
    {
        var rng = new Rng(6);
        var x = new float[1000 * 3072];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextGaussian();
        var images = new DataSet("random-cifar", [3, 32, 32], x, Enumerable.Range(0, 1000).Select(i => i % 10).ToArray(), 10);
        var net = ModelSpec.Build<float>("resnet20", images.InputShape);
        var theta = Initialization.Create<float>(net.Layout, "pytorch", 7);
        double flops = net.ForwardFlops;
        var eval = new EmpiricalRisk<float>(net, images, "ce", 0, Shard, threads);
        cases.Add(new BenchmarkCase("resnet20_eval_1k", Median(repeat, () => eval.Evaluate(theta)), flops * 1000, "resnet20, 32x32x3, n=1000, eval mode"));
        var train = new EmpiricalRisk<float>(net, images, "ce", 0, 128, threads, wholeShards: true);
        var w = (float[])theta.Clone();
        var g = new float[w.Length];
        var sgd = new Sgd<float>(0.9);
        var batch = Enumerable.Range(0, 128).ToArray();
        cases.Add(new BenchmarkCase("resnet20_train_step_128", Median(repeat, () => { train.MinibatchGradient(w, batch, g); sgd.Step(w, g, 0.01); }),
            3 * flops * 128, "batch 128, train mode, momentum 0.9"));
        var hvp = new EmpiricalRisk<float>(net, images.Take(256), "ce", 0, Shard, threads) { LinearizationBudget = 0 };
        var v = new float[theta.Length];
        for (int i = 0; i < v.Length; i++) v[i] = (float)rng.NextGaussian();
        var hv = new float[theta.Length];
        cases.Add(new BenchmarkCase("resnet20_hvp_256", Median(Math.Min(repeat, 3), () => hvp.HessianVectorProduct(theta, v, hv)), 4 * flops * 256, "n=256, eval mode, no kept linearization"));
    }

    internal static double Median(int repeat, Action action)
    {
        for (int i = 0; i < 3; i++) action();
        var times = new double[repeat];
        for (int i = 0; i < repeat; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[i] = sw.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[repeat / 2];
    }

    internal static DataSet Images(string? dataDir, int n)
    {
        try { return DataCatalog.Load("fashion-mnist", "train", dataDir, n); }
        catch (BasinException)
        {
            var rng = new Rng(5);
            var x = new float[n * 784];
            for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
            var y = new int[n];
            for (int i = 0; i < n; i++) y[i] = rng.NextInt(10);
            return new DataSet("random-images", [1, 28, 28], x, y, 10);
        }
    }

    /// <summary>float32 FLOP/s of independent FMA chains on every thread: the practical peak of this machine.</summary>
    static double MeasurePeak(int threads)
    {
        const long iterations = 20_000_000;
        var sw = Stopwatch.StartNew();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => PeakKernel.Run(iterations / 10));
        sw.Restart();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => PeakKernel.Run(iterations));
        double seconds = sw.Elapsed.TotalSeconds;
        return threads * iterations * PeakKernel.FlopsPerIteration / seconds;
    }
}
