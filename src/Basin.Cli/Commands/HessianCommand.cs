namespace Basin.Cli.Commands;

/// <summary><c>basin hessian</c>: extreme eigenvalues, trace, Frobenius norm and spectral density of the curvature.</summary>
internal static class HessianCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var cluster = new ClusterOption();
        var device = new DeviceOption(cluster);
        var top = new Option<int>("--top") { Description = "the K largest eigenvalues (Lanczos)", DefaultValueFactory = _ => 5 };
        var bottom = new Option<int>("--bottom") { Description = "the K smallest eigenvalues (negative ones: saddle directions)" };
        var steps = new Option<int?>("--lanczos-steps") { Description = "Lanczos steps for --top/--bottom (default 3K+40, at least 60)" };
        var power = new Option<int>("--power") { Description = "also the K eigenvalues of largest magnitude by power iteration with deflation (PyHessian's method, for comparison)" };
        var powerIterations = new Option<int>("--power-iterations") { Description = "most products per --power eigenvalue", DefaultValueFactory = _ => 100 };
        var powerTol = new Option<double>("--power-tol") { Description = "stop a --power eigenvalue once its Rayleigh quotient changes by less than this fraction", DefaultValueFactory = _ => 1e-3 };
        var trace = new Option<bool>("--trace") { Description = "Hutchinson trace with its standard error" };
        var probes = new Option<int>("--probes") { Description = "most Rademacher probes for --trace and --frobenius", DefaultValueFactory = _ => 200 };
        var tol = new Option<double>("--trace-tol") { Description = "stop --trace once its standard error is below this fraction of it", DefaultValueFactory = _ => 0.01 };
        var hutchpp = new Option<int>("--hutchpp") { Description = "also Hutch++ with this many products" };
        var frobenius = new Option<bool>("--frobenius") { Description = "Frobenius norm from E||H z||^2" };
        var density = new Option<bool>("--density") { Description = "spectral density by stochastic Lanczos quadrature" };
        var runs = new Option<int>("--runs") { Description = "SLQ runs", DefaultValueFactory = _ => 10 };
        var densitySteps = new Option<int>("--density-steps") { Description = "Lanczos steps per SLQ run", DefaultValueFactory = _ => 80 };
        var sigma = new Option<double?>("--sigma") { Description = "standard deviation of the Gaussian broadening (default: 1% of the spectral range)" };
        var fisherTrace = new Option<bool>("--fisher-trace") { Description = "exact empirical-Fisher trace (1/N) sum ||grad l_i||^2 from per-example gradients" };
        var exact = new Option<bool>("--exact") { Description = "build the whole matrix (small nets): every eigenvalue, exact trace and Frobenius norm" };
        var op = new Option<string>("--operator") { Description = "hessian, ggn (Gauss-Newton) or fisher (empirical)", DefaultValueFactory = _ => "hessian" };
        var seed = new Option<ulong>("--seed") { Description = "seed of the random starts and probes" };
        var outStem = new Option<string?>("--out") { Description = "with --density: write STEM.png and STEM.svg, and the numbers as STEM.json (basin report shows them)" };
        var command = new Command("hessian", "Hessian (or Gauss-Newton, Fisher) spectrum: top/bottom eigenvalues, trace, Frobenius norm, density.");
        common.AddTo(command);
        cluster.AddTo(command);
        device.AddTo(command);
        foreach (var o in new Option[] { top, bottom, steps, power, powerIterations, powerTol, trace, probes, tol, hutchpp, frobenius, density, runs, densitySteps, sigma, fisherTrace, exact, op, seed, outStem })
            command.Options.Add(o);
        command.SetAction(r =>
        {
            var options = new CurvatureOptions
            {
                Operator = r.GetValue(op)!, Top = r.GetValue(top), Bottom = r.GetValue(bottom), LanczosSteps = r.GetValue(steps), Power = r.GetValue(power),
                PowerIterations = r.GetValue(powerIterations), PowerTolerance = r.GetValue(powerTol), Trace = r.GetValue(trace), Probes = r.GetValue(probes),
                TraceTolerance = r.GetValue(tol), HutchPlusPlus = r.GetValue(hutchpp), Frobenius = r.GetValue(frobenius), FisherTrace = r.GetValue(fisherTrace),
                Density = r.GetValue(density), DensityOptions = new DensityOptions { Runs = r.GetValue(runs), Steps = r.GetValue(densitySteps), Sigma = r.GetValue(sigma) },
                Exact = r.GetValue(exact), Seed = r.GetValue(seed), Threads = r.GetValue(common.Threads),
            };
            CurvatureReport.Check(options);
            if (r.GetValue(outStem) is { } plot)
            {
                OutputPath.RequireFile(plot + ".png", "--out");
                OutputPath.RequireFile(plot + ".svg", "--out");
            }
            device.Cuda(r);
            var data = common.LoadData(r);
            return cluster.Run(r, common, common.Landscape(r, data), null, null, stderr, landscape => device.Run(r, landscape, data, null, stderr, l =>
                Progress.Status(stderr, "computing curvature...", () => Run(l, options, r.GetValue(outStem), r.GetValue(common.Json), stdout))));
        });
        return command;
    }

    /// <summary>Measures and prints (a table, or one JSON object); a density is also drawn to <paramref name="plot"/>.png/.svg.</summary>
    public static int Run(LossLandscape landscape, CurvatureOptions options, string? plot, bool json, TextWriter stdout)
    {
        var report = landscape.Curvature(options);
        if (report.Density is { } density && plot is not null)
        {
            Basin.Reports.Plots.DensityPlot.Save(density, plot, $"{report.Matrix} spectral density");
            // The numbers beside the figure, for basin report.
            AtomicFile.Write(plot + ".json", s => s.Write(System.Text.Encoding.UTF8.GetBytes(report.ToJson().ToJsonString())));
        }
        if (json) { stdout.WriteLine(report.ToJson().ToJsonString()); return Cli.Ok; }
        var table = new Table().AddColumn("quantity").AddColumn(new TableColumn("value").RightAligned()).AddColumn("detail");
        if (report.Exact is var (all, trace, frobenius))
        {
            table.AddRow("exact trace", $"{trace:G8}", $"{all.Length} eigenvalues from the explicit matrix");
            table.AddRow("exact Frobenius norm", $"{frobenius:G8}", "");
            table.AddRow("negative eigenvalues", $"{report.NegativeEigenvalues}", "saddle index");
        }
        void Pairs(Eigenpairs? pairs, Func<int, string> name, Func<int, string> more)
        {
            for (int i = 0; i < (pairs?.Values.Length ?? 0); i++)
                table.AddRow(name(i), $"{pairs!.Values[i]:G8}", $"residual {pairs.Residuals[i]:G2}{more(i)}");
        }
        Pairs(report.Top, i => $"lambda_{i + 1}", _ => "");
        Pairs(report.Bottom, i => $"lambda_min{(i > 0 ? $"+{i}" : "")}", _ => "");
        Pairs(report.Power, i => $"power lambda_{i + 1}", i => i == 0 ? $", {report.Power!.Products} products in all" : "");
        if (report.Trace is { } t) table.AddRow("trace (Hutchinson)", $"{t.Value:G6}", $"+- {t.StandardError:G2} (1 s.e.), {t.Products} probes");
        if (report.HutchPlusPlus is { } h) table.AddRow("trace (Hutch++)", $"{h.Value:G6}", $"+- {h.StandardError:G2}, {h.Products} products");
        if (report.FrobeniusSquared is { } f) table.AddRow("Frobenius norm", $"{Math.Sqrt(Math.Max(0, f.Value)):G6}", $"||H||_F^2 = {f.Value:G4} +- {f.StandardError:G2}");
        if (report.FisherTrace is { } fisher) table.AddRow("empirical Fisher trace", $"{fisher:G8}", "(1/N) sum_i ||grad l_i||^2, exact");
        if (report.Density is { } d)
        {
            table.AddRow("density", $"{d.Nodes.Length} runs", $"sigma {d.Sigma:G3}; first moment {d.Moment(1):G4} = tr/P estimate");
            if (plot is not null) table.AddRow("plot", Markup.Escape(plot + ".png"), Markup.Escape(plot + ".svg"));
        }
        var console = Output.Console(stdout);
        console.WriteLine($"{report.Matrix} of {landscape.Spec} on {landscape.Data.Name} (n = {report.N}, {report.Parameters:N0} parameters): {report.Products} products, {report.Seconds:F2} s");
        console.Write(table);
        return Cli.Ok;
    }
}
