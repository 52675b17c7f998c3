using System.CommandLine;
using System.Text.Json.Nodes;
using Basin.Curvature;
using Basin.Models;
using Basin.Tensors;
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
    }

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var o = new Options();
        var command = new Command("hessian", "Hessian (or Gauss-Newton, Fisher) spectrum: top/bottom eigenvalues, trace, Frobenius norm, density.");
        o.AddTo(command);
        command.SetAction(r => Progress.Status(stderr, "computing curvature...", () => Run(r, o, stdout)));
        return command;
    }

    static int Run(ParseResult r, Options o, TextWriter stdout)
    {
        var c = o.Common;
        int top = r.GetValue(o.Top), bottom = r.GetValue(o.Bottom), power = r.GetValue(o.Power);
        if (top == 0 && bottom == 0 && power == 0 && !r.GetValue(o.Exact) && !r.GetValue(o.TraceOption) && r.GetValue(o.HutchPP) <= 0
            && !r.GetValue(o.Frobenius) && !r.GetValue(o.FisherTrace) && !r.GetValue(o.Density))
            throw new BasinException("hessian", "nothing to compute with --top 0", "ask for at least one of --top K, --bottom K, --power K, --trace, --hutchpp N, --frobenius, --fisher-trace, --density, --exact");
        if (r.GetValue(o.Out) is { } plot)
        {
            OutputPath.RequireFile(plot + ".png", "--out");
            OutputPath.RequireFile(plot + ".svg", "--out");
        }
        var data = c.LoadData(r);
        var landscape = c.Landscape(r, data);
        int parameters = landscape.ParameterCount;
        foreach (var (option, k) in new[] { (o.Top, top), (o.Bottom, bottom), (o.Power, power) })
            if (k > parameters)
                throw new BasinException(option.Name, $"{k} eigenvalues asked of a model with {parameters} parameters",
                    $"a {parameters} x {parameters} matrix has {parameters} eigenvalues; --exact gives them all on small models");
        var (kind, op) = r.GetValue(o.Operator)!.ToLowerInvariant() switch
        {
            "hessian" => ("Hessian", landscape.Hessian()),
            "ggn" or "gauss-newton" => ("GaussNewton", landscape.GaussNewton()),
            "fisher" => ("Fisher", landscape.Fisher()),
            var other => throw new BasinException("--operator", $"unknown operator '{other}'", "use hessian, ggn or fisher"),
        };
        int threads = r.GetValue(c.Threads);
        ulong seed = r.GetValue(o.Seed);
        var json = new JsonObject { ["operator"] = kind.ToLowerInvariant(), ["n"] = data.Count, ["parameters"] = parameters };
        var table = new Table().AddColumn("quantity").AddColumn(new TableColumn("value").RightAligned()).AddColumn("detail");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        if (r.GetValue(o.Exact))
        {
            var (all, trace, frobenius) = Spectrum.Exact(op);
            json["all_eigenvalues"] = new JsonArray(all.Select(v => (JsonNode)v).ToArray());
            json["exact_trace"] = trace;
            json["exact_frobenius"] = frobenius;
            json["negative_eigenvalues"] = all.Count(v => v < -1e-10 * Math.Abs(all[0]));
            table.AddRow("exact trace", $"{trace:G8}", $"{all.Length} eigenvalues from the explicit matrix");
            table.AddRow("exact Frobenius norm", $"{frobenius:G8}", "");
            table.AddRow("negative eigenvalues", $"{json["negative_eigenvalues"]}", "saddle index");
        }
        if (top > 0)
        {
            var pairs = Spectrum.Top(op, new LanczosOptions(top) { Steps = r.GetValue(o.Steps), Threads = threads }, seed);
            json["eigenvalues"] = new JsonArray(pairs.Values.Select(v => (JsonNode)v).ToArray());
            json["residuals"] = new JsonArray(pairs.Residuals.Select(v => (JsonNode)v).ToArray());
            for (int i = 0; i < pairs.Values.Length; i++)
                table.AddRow($"lambda_{i + 1}", $"{pairs.Values[i]:G8}", $"residual {pairs.Residuals[i]:G2}");
        }
        if (bottom > 0)
        {
            var pairs = Spectrum.Bottom(op, new LanczosOptions(bottom) { Steps = r.GetValue(o.Steps), Threads = threads }, seed);
            json["bottom_eigenvalues"] = new JsonArray(pairs.Values.Select(v => (JsonNode)v).ToArray());
            json["bottom_residuals"] = new JsonArray(pairs.Residuals.Select(v => (JsonNode)v).ToArray());
            for (int i = 0; i < pairs.Values.Length; i++)
                table.AddRow($"lambda_min{(i > 0 ? $"+{i}" : "")}", $"{pairs.Values[i]:G8}", $"residual {pairs.Residuals[i]:G2}");
        }
        if (power > 0)
        {
            var pairs = Spectrum.Power(op, new PowerOptions(power) { MaxIterations = r.GetValue(o.PowerIterations), Tolerance = r.GetValue(o.PowerTol), Threads = threads }, seed);
            json["power_eigenvalues"] = new JsonArray(pairs.Values.Select(v => (JsonNode)v).ToArray());
            json["power_residuals"] = new JsonArray(pairs.Residuals.Select(v => (JsonNode)v).ToArray());
            json["power_products"] = pairs.Products;
            for (int i = 0; i < pairs.Values.Length; i++)
                table.AddRow($"power lambda_{i + 1}", $"{pairs.Values[i]:G8}", $"residual {pairs.Residuals[i]:G2}{(i == 0 ? $", {pairs.Products} products in all" : "")}");
        }
        if (r.GetValue(o.TraceOption))
        {
            var t = Trace.Hutchinson(op, new ProbeOptions { MaxProbes = r.GetValue(o.Probes), RelativeTolerance = r.GetValue(o.Tol) }, seed);
            json["trace"] = t.Value;
            json["trace_stderr"] = t.StandardError;
            json["trace_probes"] = t.Products;
            table.AddRow("trace (Hutchinson)", $"{t.Value:G6}", $"+- {t.StandardError:G2} (1 s.e.), {t.Products} probes");
        }
        if (r.GetValue(o.HutchPP) is > 0 and var budget)
        {
            var t = Trace.HutchPlusPlus(op, new ProbeOptions { MaxProbes = budget }, seed);
            json["trace_hutchpp"] = t.Value;
            json["trace_hutchpp_stderr"] = t.StandardError;
            table.AddRow("trace (Hutch++)", $"{t.Value:G6}", $"+- {t.StandardError:G2}, {t.Products} products");
        }
        if (r.GetValue(o.Frobenius))
        {
            var f = Trace.FrobeniusSquared(op, new ProbeOptions { MaxProbes = r.GetValue(o.Probes) }, seed);
            json["frobenius"] = Math.Sqrt(Math.Max(0, f.Value));
            json["frobenius_squared_stderr"] = f.StandardError;
            table.AddRow("Frobenius norm", $"{Math.Sqrt(Math.Max(0, f.Value)):G6}", $"||H||_F^2 = {f.Value:G4} +- {f.StandardError:G2}");
        }
        if (r.GetValue(o.FisherTrace))
        {
            double f = landscape.FisherTrace();
            json["fisher_trace"] = f;
            table.AddRow("empirical Fisher trace", $"{f:G8}", "(1/N) sum_i ||grad l_i||^2, exact");
        }
        if (r.GetValue(o.Density))
        {
            var d = StochasticLanczosQuadrature.Run(op, new DensityOptions { Runs = r.GetValue(o.Runs), Steps = r.GetValue(o.DensitySteps), Sigma = r.GetValue(o.Sigma) }, seed);
            var (grid, values) = d.Sample(200);
            json["density"] = new JsonObject
            {
                ["sigma"] = d.Sigma,
                ["grid"] = new JsonArray(grid.Select(v => (JsonNode)v).ToArray()),
                ["values"] = new JsonArray(values.Select(v => (JsonNode)v).ToArray()),
            };
            table.AddRow("density", $"{d.Nodes.Length} runs", $"sigma {d.Sigma:G3}; first moment {d.Moment(1):G4} = tr/P estimate");
            if (r.GetValue(o.Out) is { } stem)
            {
                Basin.Reports.Plots.DensityPlot.Save(d, stem, $"{kind} spectral density");
                table.AddRow("plot", Markup.Escape(stem + ".png"), Markup.Escape(stem + ".svg"));
            }
        }
        json["products"] = op.Products;
        json["seconds"] = clock.Elapsed.TotalSeconds;
        if (r.GetValue(c.Json)) { stdout.WriteLine(json.ToJsonString()); return Cli.Ok; }
        var console = Output.Console(stdout);
        console.WriteLine($"{kind} of {landscape.Spec} on {data.Name} (n = {data.Count}, {parameters:N0} parameters): {op.Products} products, {clock.Elapsed.TotalSeconds:F2} s");
        console.Write(table);
        return Cli.Ok;
    }
}
