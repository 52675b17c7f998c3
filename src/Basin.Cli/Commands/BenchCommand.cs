using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Basin.Curvature;
using Basin.Data;
using Basin.Models;
using Basin.Objective;
using Basin.Tensors;
using Spectre.Console;

namespace Basin.Cli.Commands;

/// <summary>
/// <c>basin bench</c>: throughput of the kernels and the objective, against the machine's measured FMA peak
/// and, with --compare, against the PyTorch reference timings written by bench/pytorch_reference.py.
/// </summary>
internal static class BenchCommand
{
    const string Mlp = "linear(784,100),relu,linear(100,10)";
    const int Shard = 500;

    sealed record Result(string Name, double Seconds, double Flops, string Detail);

    public static Command Create(TextWriter stdout)
    {
        var threads = new Option<int>("--threads") { Description = "threads (default: all cores)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var compare = new Option<string?>("--compare") { Description = "JSON of PyTorch timings (bench/pytorch_reference.py --json) to report speed ratios against" };
        var dataDir = new Option<string?>("--data-dir") { Description = "folder with Fashion-MNIST IDX files (else the usual lookup; random images when none is found)" };
        var repeat = new Option<int>("--repeat") { Description = "timed repetitions per case after 3 warm-ups (the median is reported)", DefaultValueFactory = _ => 7 };
        var command = new Command("bench", "Measure kernel and objective throughput (GEMM, MLP loss, gradient, Hessian-vector product).");
        foreach (var o in new Option[] { threads, repeat, dataDir, compare, json }) command.Options.Add(o);
        command.SetAction(r => Run(stdout, Math.Max(1, r.GetValue(threads) is > 0 and var t ? t : Environment.ProcessorCount),
            Math.Max(1, r.GetValue(repeat)), r.GetValue(dataDir), r.GetValue(compare), r.GetValue(json)));
        return command;
    }

    static double Median(int repeat, Action action)
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

    static DataSet Images(string? dataDir, int n)
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

    static float[] DefaultInit(Basin.Engine.ParameterLayout layout, ulong seed) => Basin.Training.Initialization.Create<float>(layout, "pytorch", seed);

    static int Run(TextWriter stdout, int threads, int repeat, string? dataDir, string? comparePath, bool asJson)
    {
        JsonObject? reference = null;
        if (comparePath is not null)
        {
            try { reference = JsonNode.Parse(File.ReadAllText(comparePath)) as JsonObject; }
            catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
            {
                throw new BasinException(comparePath, $"cannot read the reference timings ({e.Message})", "make it with: python3 bench/pytorch_reference.py --json > FILE");
            }
        }
        var results = new List<Result>();
        double peak = MeasurePeak(threads);
        results.Add(new Result("fma_peak", 1, peak, $"{threads} thread(s), 16 independent Vector512 FMA chains"));

        foreach (int size in new[] { 2048 })
        {
            var rng = new Rng(1);
            var a = new float[size * size]; var b = new float[size * size]; var c = new float[size * size];
            for (int i = 0; i < a.Length; i++) { a[i] = (float)rng.NextGaussian(); b[i] = (float)rng.NextGaussian(); }
            double s = Median(repeat, () => Gemm.Multiply<float>(false, false, size, size, size, a, size, b, size, c, size, false, threads));
            results.Add(new Result($"sgemm_{size}", s, 2.0 * size * size * size, $"{size}x{size}x{size} float32"));
        }
        {
            int size = 1024;
            var rng = new Rng(2);
            var a = new double[size * size]; var b = new double[size * size]; var c = new double[size * size];
            for (int i = 0; i < a.Length; i++) { a[i] = rng.NextGaussian(); b[i] = rng.NextGaussian(); }
            double s = Median(repeat, () => Gemm.Multiply<double>(false, false, size, size, size, a, size, b, size, c, size, false, threads));
            results.Add(new Result($"dgemm_{size}", s, 2.0 * size * size * size, $"{size}x{size}x{size} float64"));
        }

        var data10k = Images(dataDir, 10000);
        var data2k = data10k.Take(2000);
        var net = ModelSpec.Build<float>(Mlp, data10k.InputShape);
        var theta = DefaultInit(net.Layout, 3);
        var v = new float[theta.Length];
        var rngV = new Rng(4);
        for (int i = 0; i < v.Length; i++) v[i] = (float)rngV.NextGaussian();
        var output = new float[theta.Length];
        double mlpFlops = 2.0 * (784 * 100 + 100 * 10);
        var loss10k = new EmpiricalRisk<float>(net, data10k, "ce", 0, Shard, threads);
        results.Add(new Result("mlp_loss_10k", Median(repeat, () => loss10k.Evaluate(theta)), mlpFlops * 10000, $"{Mlp}, {data10k.Name}, n=10000"));
        var obj2k = new EmpiricalRisk<float>(net, data2k, "ce", 0, Shard, threads);
        results.Add(new Result("mlp_grad_2k", Median(repeat, () => obj2k.Gradient(theta, output)), 2 * mlpFlops * 2000, "n=2000"));
        // Every timed call starts at a theta other than the previous call's, so none reuses the forward pass and
        // deltas an objective keeps for products at one theta: a cold H v costs a forward, a backward, an R-forward and
        // an R-backward, as PyTorch's double backprop; a power iteration or trace pays for its forward pass once.
        var thetas = new[] { theta, DefaultInit(net.Layout, 33) };
        int call = 0;
        float[] NextTheta() => thetas[call++ % 2];
        results.Add(new Result("mlp_hvp_2k", Median(repeat, () => obj2k.HessianVectorProduct(NextTheta(), v, output)), 4 * mlpFlops * 2000, "n=2000, a new theta each call"));
        {
            // The curvature cases PyHessian users run: 20 power iterations and a 100-probe Hutchinson trace.
            HessianOperator<float> Hessian() => new(obj2k, NextTheta());
            results.Add(new Result("mlp_power20_2k", Median(repeat, () => Spectrum.Power(Hessian(), new PowerOptions(1) { MaxIterations = 20, Tolerance = 0, Threads = threads }, 1)),
                (2 + 20 * 2) * mlpFlops * 2000, "20 power iterations, n=2000"));
            results.Add(new Result("mlp_hutchinson100_2k", Median(3, () => Basin.Curvature.Trace.Hutchinson(Hessian(), new ProbeOptions { MaxProbes = 100, RelativeTolerance = 0, MinProbes = 100 }, 2)),
                (2 + 100) * mlpFlops * 2000, "100 Rademacher probes, n=2000, z^T H z by an R-forward each"));
        }
        {
            // One epoch of minibatch SGD as the trainer runs it: seeded permutation, batch 128, shards of 64.
            var trainNet = ModelSpec.Build<float>(Mlp, data10k.InputShape);
            var sgdObjective = new EmpiricalRisk<float>(trainNet, data10k, "ce", 0, 64, threads);
            var w = (float[])theta.Clone();
            var g = new float[w.Length];
            var order = new Rng(9).Permutation(data10k.Count);
            results.Add(new Result("mlp_sgd_epoch_10k", Median(repeat, () =>
            {
                var sgd = new Basin.Training.Sgd<float>(0.9);
                for (int b = 0; b < order.Length; b += 128)
                {
                    sgdObjective.MinibatchGradient(w, order.AsSpan(b, Math.Min(128, order.Length - b)), g);
                    sgd.Step(w, g, 0.01);
                }
            }), 2 * mlpFlops * 10000, "one epoch, batch 128, momentum 0.9"));
        }

        const string cnn = "conv2d(1,8,3,padding=1),relu,maxpool2d(2),conv2d(8,16,3,padding=1),relu,maxpool2d(2),flatten,linear(784,10)";
        var cnnNet = ModelSpec.Build<float>(cnn, data2k.InputShape);
        var cnnTheta = DefaultInit(cnnNet.Layout, 5);
        var cnnObj = new EmpiricalRisk<float>(cnnNet, data2k, "ce", 0, Shard, threads);
        double cnnFlops = 2.0 * (8 * 9 * 784 + 16 * 72 * 196 + 784 * 10);
        results.Add(new Result("cnn_loss_2k", Median(repeat, () => cnnObj.Evaluate(cnnTheta)), cnnFlops * 2000, "engine-core CNN, n=2000"));
        results.Add(new Result("cnn_grad_2k", Median(repeat, () => cnnObj.Gradient(cnnTheta, new float[cnnTheta.Length])), 3 * cnnFlops * 2000, "n=2000"));

        Report(stdout, results, peak, reference, threads, asJson);
        return Cli.Ok;
    }

    static void Report(TextWriter stdout, List<Result> results, double peak, JsonObject? reference, int threads, bool asJson)
    {
        double? Ratio(Result r) => reference?[r.Name]?.GetValue<double>() is double torch && r.Name != "fma_peak" ? torch / r.Seconds : null;
        if (asJson)
        {
            var json = new JsonObject { ["threads"] = threads, ["peak_gflops"] = peak / 1e9 };
            foreach (var r in results.Skip(1))
                json[r.Name] = new JsonObject
                {
                    ["seconds"] = r.Seconds,
                    ["gflops"] = r.Flops / r.Seconds / 1e9,
                    ["fraction_of_peak"] = r.Flops / r.Seconds / peak,
                    ["speedup_vs_pytorch"] = Ratio(r) is double x ? x : null,
                };
            stdout.WriteLine(json.ToJsonString());
            return;
        }
        var table = new Table().AddColumn("case").AddColumn(new TableColumn("time").RightAligned())
            .AddColumn(new TableColumn("GFLOP/s").RightAligned()).AddColumn(new TableColumn("of peak").RightAligned());
        if (reference is not null) table.AddColumn(new TableColumn("PyTorch").RightAligned()).AddColumn(new TableColumn("speed-up").RightAligned());
        table.AddColumn("detail");
        foreach (var r in results)
        {
            var row = new List<string>
            {
                r.Name,
                r.Name == "fma_peak" ? "" : $"{r.Seconds * 1e3:F2} ms",
                $"{r.Flops / r.Seconds / 1e9:F1}",
                r.Name == "fma_peak" ? "100 %" : $"{100 * r.Flops / r.Seconds / peak:F0} %",
            };
            if (reference is not null)
            {
                double? torch = reference[r.Name]?.GetValue<double>();
                row.Add(torch is double t && r.Name != "fma_peak" ? $"{t * 1e3:F2} ms" : "");
                row.Add(Ratio(r) is double x ? $"{x:F2}x" : "");
            }
            row.Add(Markup.Escape(r.Detail));
            table.AddRow(row.ToArray());
        }
        Output.Console(stdout).Write(table);
        stdout.WriteLine("GFLOP/s count a dense product's FLOPs: the MLP's first layer skips Fashion-MNIST's zero pixels, so its cases can pass the FMA peak.");
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
