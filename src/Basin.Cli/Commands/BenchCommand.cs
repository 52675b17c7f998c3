using Basin.Benchmarks;

namespace Basin.Cli.Commands;

/// <summary>
/// <c>basin bench</c>: throughput of the kernels and the objective (<see cref="BenchmarkSuite"/>) against the machine's
/// measured FMA peak and, with --compare, against the PyTorch reference timings written by bench/pytorch_reference.py.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter stdout)
    {
        var threads = new Option<int>("--threads") { Description = "threads (default: all cores)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var compare = new Option<string?>("--compare") { Description = "JSON of PyTorch timings (bench/pytorch_reference.py --json) to report speed ratios against" };
        var dataDir = new Option<string?>("--data-dir") { Description = "folder with Fashion-MNIST IDX files (else the usual lookup; random images when none is found)" };
        var repeat = new Option<int>("--repeat") { Description = "timed repetitions per case after 3 warm-ups (the median is reported)", DefaultValueFactory = _ => 7 };
        var device = new DeviceOption();
        var command = new Command("bench", "Measure kernel and objective throughput (GEMM, MLP loss, gradient, Hessian-vector product).");
        foreach (var o in new Option[] { threads, repeat, dataDir, compare, json }) command.Options.Add(o);
        device.AddTo(command);
        command.SetAction(r =>
        {
            var reference = r.GetValue(compare) is { } path ? BenchmarkReport.ReadReference(path) : null;
            int repeats = Math.Max(1, r.GetValue(repeat));
            var (report, peak, on) = device.Cuda(r)
                ? DeviceOption.Bench(repeats, r.GetValue(dataDir))
                : (BenchmarkSuite.Run(Math.Max(1, r.GetValue(threads) is > 0 and var t ? t : Environment.ProcessorCount), repeats, r.GetValue(dataDir)), "", "");
            if (r.GetValue(json))
            {
                var result = report.ToJson(reference);
                if (on != "") result["device"] = on;
                stdout.WriteLine(result.ToJsonString());
                return Cli.Ok;
            }
            if (on != "") stdout.WriteLine($"device: {on}");
            var table = new Table().AddColumn("case").AddColumn(new TableColumn("time").RightAligned())
                .AddColumn(new TableColumn("GFLOP/s").RightAligned()).AddColumn(new TableColumn("of peak").RightAligned());
            if (reference is not null) table.AddColumn(new TableColumn("PyTorch").RightAligned()).AddColumn(new TableColumn("speed-up").RightAligned());
            table.AddColumn("detail");
            table.AddRow([.. new[] { "fma_peak", "", $"{report.PeakFlops / 1e9:F1}", "100 %" }, .. reference is null ? Array.Empty<string>() : ["", ""],
                Markup.Escape(peak != "" ? peak : $"{report.Threads} thread(s), 16 independent Vector512 FMA chains")]);
            foreach (var c in report.Cases)
            {
                var row = new List<string> { c.Name, $"{c.Seconds * 1e3:F2} ms", $"{c.FlopsPerSecond / 1e9:F1}", $"{100 * c.FlopsPerSecond / report.PeakFlops:F0} %" };
                if (reference is not null)
                {
                    row.Add(BenchmarkReport.Seconds(reference, c.Name) is double torch ? $"{torch * 1e3:F2} ms" : "");
                    row.Add(BenchmarkReport.SpeedUp(reference, c) is double x ? $"{x:F2}x" : "");
                }
                row.Add(Markup.Escape(c.Detail));
                table.AddRow(row.ToArray());
            }
            Output.Console(stdout).Write(table);
            stdout.WriteLine("GFLOP/s count a dense product's FLOPs: the MLP's first layer skips Fashion-MNIST's zero pixels, so its cases can pass the FMA peak.");
            return Cli.Ok;
        });
        return command;
    }
}
