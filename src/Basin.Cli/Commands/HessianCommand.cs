using System.CommandLine;
using Basin.Curvature;
using Basin.Models;
using Spectre.Console;

namespace Basin.Cli.Commands;

/// <summary><c>basin hessian</c>: extreme eigenvalues, trace, Frobenius norm and spectral density of the curvature.</summary>
internal static class HessianCommand
{
    sealed class Options
    {
        public readonly CommonOptions Common = new();
        public readonly Option<int> Top = new("--top") { Description = "the K largest eigenvalues (Lanczos)", DefaultValueFactory = _ => 5 };
        public readonly Option<int> Bottom = new("--bottom") { Description = "the K smallest eigenvalues (negative ones: saddle directions)" };
        public readonly Option<int?> Steps = new("--lanczos-steps") { Description = "Lanczos steps for --top/--bottom (default 3K+40, at least 60)" };
        public readonly Option<int> Power = new("--power") { Description = "also the K eigenvalues of largest magnitude by power iteration with deflation (PyHessian's method, for comparison)" };
        public readonly Option<int> PowerIterations = new("--power-iterations") { Description = "most products per --power eigenvalue", DefaultValueFactory = _ => 100 };
        public readonly Option<double> PowerTol = new("--power-tol") { Description = "stop a --power eigenvalue once its Rayleigh quotient changes by less than this fraction", DefaultValueFactory = _ => 1e-3 };
        public readonly Option<bool> TraceOption = new("--trace") { Description = "Hutchinson trace with its standard error" };
        public readonly Option<int> Probes = new("--probes") { Description = "most Rademacher probes for --trace and --frobenius", DefaultValueFactory = _ => 200 };
        public readonly Option<double> Tol = new("--trace-tol") { Description = "stop --trace once its standard error is below this fraction of it", DefaultValueFactory = _ => 0.01 };
        public readonly Option<int> HutchPP = new("--hutchpp") { Description = "also Hutch++ with this many products" };
        public readonly Option<bool> Frobenius = new("--frobenius") { Description = "Frobenius norm from E||H z||^2" };
        public readonly Option<bool> Density = new("--density") { Description = "spectral density by stochastic Lanczos quadrature" };
        public readonly Option<int> Runs = new("--runs") { Description = "SLQ runs", DefaultValueFactory = _ => 10 };
        public readonly Option<int> DensitySteps = new("--density-steps") { Description = "Lanczos steps per SLQ run", DefaultValueFactory = _ => 80 };
        public readonly Option<double?> Sigma = new("--sigma") { Description = "standard deviation of the Gaussian broadening (default: 1% of the spectral range)" };
        public readonly Option<bool> FisherTrace = new("--fisher-trace") { Description = "exact empirical-Fisher trace (1/N) sum ||grad l_i||^2 from per-example gradients" };
        public readonly Option<bool> Exact = new("--exact") { Description = "build the whole matrix (small nets): every eigenvalue, exact trace and Frobenius norm" };
        public readonly Option<string> Operator = new("--operator") { Description = "hessian, ggn (Gauss-Newton) or fisher (empirical)", DefaultValueFactory = _ => "hessian" };
        public readonly Option<ulong> Seed = new("--seed") { Description = "seed of the random starts and probes" };
        public readonly Option<string?> Out = new("--out") { Description = "with --density: write STEM.png and STEM.svg" };

        public void AddTo(Command c)
        {
            Common.AddTo(c);
            foreach (var o in new Option[] { Top, Bottom, Steps, Power, PowerIterations, PowerTol, TraceOption, Probes, Tol, HutchPP, Frobenius, Density, Runs, DensitySteps, Sigma, FisherTrace, Exact, Operator, Seed, Out })
                c.Options.Add(o);
        }

        public CurvatureOptions Parse(ParseResult r) => new()
        {
            Operator = r.GetValue(Operator)!, Top = r.GetValue(Top), Bottom = r.GetValue(Bottom), LanczosSteps = r.GetValue(Steps), Power = r.GetValue(Power),
            PowerIterations = r.GetValue(PowerIterations), PowerTolerance = r.GetValue(PowerTol), Trace = r.GetValue(TraceOption), Probes = r.GetValue(Probes),
            TraceTolerance = r.GetValue(Tol), HutchPlusPlus = r.GetValue(HutchPP), Frobenius = r.GetValue(Frobenius), FisherTrace = r.GetValue(FisherTrace),
            Density = r.GetValue(Density), DensityOptions = new DensityOptions { Runs = r.GetValue(Runs), Steps = r.GetValue(DensitySteps), Sigma = r.GetValue(Sigma) },
            Exact = r.GetValue(Exact), Seed = r.GetValue(Seed), Threads = r.GetValue(Common.Threads),
        };
    }

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var o = new Options();
        var command = new Command("hessian", "Hessian (or Gauss-Newton, Fisher) spectrum: top/bottom eigenvalues, trace, Frobenius norm, density.");
        o.AddTo(command);
        command.SetAction(r =>
        {
            var options = o.Parse(r);
            CurvatureReport.Check(options);
            if (r.GetValue(o.Out) is { } plot)
            {
                OutputPath.RequireFile(plot + ".png", "--out");
                OutputPath.RequireFile(plot + ".svg", "--out");
            }
            return Progress.Status(stderr, "computing curvature...", () => Run(o.Common.Landscape(r, o.Common.LoadData(r)), options, r.GetValue(o.Out), r.GetValue(o.Common.Json), stdout));
        });
        return command;
    }

    /// <summary>Measures and prints (a table, or one JSON object); a density is also drawn to <paramref name="plot"/>.png/.svg.</summary>
    public static int Run(LossLandscape landscape, CurvatureOptions options, string? plot, bool json, TextWriter stdout)
    {
        var report = landscape.Curvature(options);
        if (report.Density is { } density && plot is not null) Basin.Reports.Plots.DensityPlot.Save(density, plot, $"{report.Matrix} spectral density");
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
