using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Basin.Experiments;
using Basin.Models;
using Basin.Reports.Plots;

namespace Basin.Cli.Commands;

/// <summary><c>basin experiment</c>: the papers' experiments, each writing data, figures and a report with claims beside measurements.</summary>
internal static class ExperimentCommand
{
    static readonly (string Name, string Paper)[] Catalog =
    [
        ("deep-linear", "Arora, Cohen, Golowich and Hu (2018), A Convergence Analysis of Gradient Descent for Deep Linear Neural Networks"),
    ];

    public static Command Create(TextWriter stdout)
    {
        var command = new Command("experiment", "The papers' experiments: basin experiment list, basin experiment NAME [--quick].");
        var list = new Command("list", "List the experiments.");
        list.SetAction(_ =>
        {
            foreach (var (name, paper) in Catalog) stdout.WriteLine($"{name,-18} {paper}");
            return Cli.Ok;
        });
        command.Subcommands.Add(list);
        command.Subcommands.Add(DeepLinearCommand(stdout));
        return command;
    }

    static Command DeepLinearCommand(TextWriter stdout)
    {
        var quick = new Option<bool>("--quick") { Description = "a small version (seconds), as the tests run it" };
        var outDir = new Option<string?>("--out") { Description = "output directory (default: experiments/deep-linear)" };
        var depth = new Option<int?>("--depth") { Description = "layers N (default 3 quick, 4 full)" };
        var width = new Option<int?>("--width") { Description = "width d (default 4 quick, 8 full)" };
        var steps = new Option<int?>("--steps") { Description = "gradient descent steps (default 300 quick, 3000 full)" };
        var lr = new Option<double>("--lr") { Description = "learning rate", DefaultValueFactory = _ => 0.3 };
        var seed = new Option<ulong>("--seed") { Description = "seed of the target, the data and the random start" };
        var command = new Command("deep-linear", Catalog[0].Paper);
        foreach (var o in new Option[] { quick, outDir, depth, width, steps, lr, seed }) command.Options.Add(o);
        command.SetAction(r =>
        {
            bool q = r.GetValue(quick);
            int n = r.GetValue(depth) ?? (q ? 3 : 4), d = r.GetValue(width) ?? (q ? 4 : 8), t = r.GetValue(steps) ?? (q ? 300 : 3000);
            string dir = r.GetValue(outDir) ?? Path.Combine("experiments", "deep-linear");
            Directory.CreateDirectory(dir);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = DeepLinear.Run(n, d, q ? 200 : 1000, t, r.GetValue(lr), r.GetValue(seed));
            var balanced = result.Runs.Single(x => x.Start == "balanced");
            var random = result.Runs.Single(x => x.Start == "random");
            TrajectoryPlot.SaveCurves(result.Runs.Select(x => ($"{x.Start} start", x.Loss.Select(l => Math.Log10(Math.Max(l, 1e-300))).ToArray())).ToList(),
                Path.Combine(dir, "loss"), "Training loss (log scale): a straight line is a linear rate", "step", "log10 loss");
            TrajectoryPlot.SaveCurves(result.Runs.Select(x => ($"{x.Start} start", x.Balancedness)).ToList(),
                Path.Combine(dir, "balancedness"), "Balancedness max_j ||W_{j+1}^T W_{j+1} - W_j W_j^T||_F", "step", "balancedness");
            static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
            int half = Math.Min(t, 20);
            double rate = Math.Log(balanced.Loss[half] / balanced.Loss[0]) / half;
            var claims = new (string, string, bool)[]
            {
                ("From the balanced initialization balancedness stays near zero along gradient descent",
                    $"max over {t} steps {F(balanced.Balancedness.Max())} (random start: {F(random.Balancedness[0])} at step 0)", balanced.Balancedness.Max() < 1e-2),
                ("With a positive deficiency margin the loss converges at a linear rate",
                    $"margin {F(balanced.DeficiencyMargin)}; loss {F(balanced.Loss[0])} -> {F(balanced.Loss[^1])}, log-rate {F(rate)} per step",
                    balanced.DeficiencyMargin > 0 && balanced.Loss[^1] < 1e-8 * balanced.Loss[0]),
                ("W = 0 is a strict saddle for depth 2 (negative Hessian eigenvalues)", $"smallest eigenvalues {string.Join(", ", result.StrictSaddleBottom.Select(F))}", result.StrictSaddleBottom[0] < 0),
                ("W = 0 is a non-strict saddle from depth 3 (zero Hessian)", $"smallest eigenvalues {string.Join(", ", result.NonStrictSaddleBottom.Select(F))}", result.NonStrictSaddleBottom.All(l => Math.Abs(l) < 1e-12)),
            };
            var json = new JsonObject
            {
                ["title"] = "Deep linear networks: balancedness and linear convergence",
                ["paper"] = Catalog[0].Paper,
                ["settings"] = new JsonObject { ["depth"] = n, ["width"] = d, ["steps"] = t, ["learning_rate"] = r.GetValue(lr), ["seed"] = r.GetValue(seed), ["quick"] = q },
                ["claims"] = new JsonArray(claims.Select(c => (JsonNode)new JsonObject { ["claim"] = c.Item1, ["measured"] = c.Item2, ["holds"] = c.Item3 }).ToArray()),
                ["loss"] = new JsonObject(result.Runs.Select(x => new KeyValuePair<string, JsonNode?>(x.Start, new JsonArray(x.Loss.Select(v => (JsonNode)v).ToArray())))),
                ["balancedness"] = new JsonObject(result.Runs.Select(x => new KeyValuePair<string, JsonNode?>(x.Start, new JsonArray(x.Balancedness.Select(v => (JsonNode)v).ToArray())))),
                ["seconds"] = clock.Elapsed.TotalSeconds,
            };
            AtomicFile.Write(Path.Combine(dir, "experiment.json"), s => s.Write(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }))));
            string report = ReportCommand.Write(dir);
            foreach (var (claim, measured, holds) in claims) stdout.WriteLine($"[{(holds ? "holds" : "FAILS")}] {claim}: {measured}");
            stdout.WriteLine($"wrote {report} ({clock.Elapsed.TotalSeconds:F1} s)");
            return claims.All(c => c.Item3) ? Cli.Ok : Cli.Failure;
        });
        return command;
    }
}
