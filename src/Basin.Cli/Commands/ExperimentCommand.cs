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
        ("theory2", "Liao and Poggio (2017), Theory II: Landscape of the Empirical Risk in Deep Learning"),
        ("deep-linear", "Arora, Cohen, Golowich and Hu (2018), A Convergence Analysis of Gradient Descent for Deep Linear Neural Networks"),
        ("spurious-valleys", "Venturi, Bandeira and Bruna (2019), Spurious Valleys in Two-layer Neural Network Optimization Landscapes"),
        ("good-bad-minima", "Wu, Zhu and E (2017), Towards Understanding Generalization of Deep Learning: Perspective of Loss Landscapes"),
        ("flatness-reparam", "Dinh, Pascanu, Bengio and Bengio (2017), Sharp Minima Can Generalize for Deep Nets; Huszar's essay; Keskar et al. (2017)"),
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
        command.Subcommands.Add(TheoryTwoCommand(stdout));
        command.Subcommands.Add(DeepLinearCommand(stdout));
        command.Subcommands.Add(SpuriousValleysCommand(stdout));
        command.Subcommands.Add(GoodBadMinimaCommand(stdout));
        command.Subcommands.Add(FlatnessReparamCommand(stdout));
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
        var command = new Command("deep-linear", Paper("deep-linear"));
        foreach (var o in new Option[] { quick, outDir, depth, width, steps, lr, seed }) command.Options.Add(o);
        command.SetAction(r =>
        {
            bool q = r.GetValue(quick);
            int n = r.GetValue(depth) ?? (q ? 3 : 4), d = r.GetValue(width) ?? (q ? 4 : 8), t = r.GetValue(steps) ?? (q ? 300 : 3000);
            string dir = Directory(r, outDir, "deep-linear");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = DeepLinear.Run(n, d, q ? 200 : 1000, t, r.GetValue(lr), r.GetValue(seed));
            var balanced = result.Runs.Single(x => x.Start == "balanced");
            var random = result.Runs.Single(x => x.Start == "random");
            TrajectoryPlot.SaveCurves(result.Runs.Select(x => ($"{x.Start} start", x.Loss.Select(l => Math.Log10(Math.Max(l, 1e-300))).ToArray())).ToList(),
                Path.Combine(dir, "loss"), "Training loss (log scale): a straight line is a linear rate", "step", "log10 loss");
            TrajectoryPlot.SaveCurves(result.Runs.Select(x => ($"{x.Start} start", x.Balancedness)).ToList(),
                Path.Combine(dir, "balancedness"), "Balancedness max_j ||W_{j+1}^T W_{j+1} - W_j W_j^T||_F", "step", "balancedness");
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
                ["paper"] = Paper("deep-linear"),
                ["settings"] = new JsonObject { ["depth"] = n, ["width"] = d, ["steps"] = t, ["learning_rate"] = r.GetValue(lr), ["seed"] = r.GetValue(seed), ["quick"] = q },
                ["claims"] = ClaimsJson(claims),
                ["loss"] = new JsonObject(result.Runs.Select(x => new KeyValuePair<string, JsonNode?>(x.Start, new JsonArray(x.Loss.Select(v => (JsonNode)v).ToArray())))),
                ["balancedness"] = new JsonObject(result.Runs.Select(x => new KeyValuePair<string, JsonNode?>(x.Start, new JsonArray(x.Balancedness.Select(v => (JsonNode)v).ToArray())))),
                ["seconds"] = clock.Elapsed.TotalSeconds,
            };
            WriteExperiment(dir, json);
            string report = ReportCommand.Write(dir);
            PrintClaims(stdout, claims);
            return Done(stdout, report, clock, claims);
        });
        return command;
    }

    static void WriteExperiment(string dir, JsonObject json) =>
        AtomicFile.Write(Path.Combine(dir, "experiment.json"), s => s.Write(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }))));

    static Command SpuriousValleysCommand(TextWriter stdout)
    {
        var quick = new Option<bool>("--quick") { Description = "a small version (seconds), as the tests run it" };
        var outDir = new Option<string?>("--out") { Description = "output directory (default: experiments/spurious-valleys)" };
        var inputs = new Option<int>("--inputs") { Description = "input dimension n", DefaultValueFactory = _ => 3 };
        var seeds = new Option<int?>("--seeds") { Description = "random starts per width (default 5 quick, 20 full)" };
        var steps = new Option<int?>("--steps") { Description = "Adam steps per run (default 3000 quick, 10000 full)" };
        var command = new Command("spurious-valleys", Paper("spurious-valleys"));
        foreach (var o in new Option[] { quick, outDir, inputs, seeds, steps }) command.Options.Add(o);
        command.SetAction(r =>
        {
            bool q = r.GetValue(quick);
            int n = r.GetValue(inputs), k = r.GetValue(seeds) ?? (q ? 5 : 20), t = r.GetValue(steps) ?? (q ? 3000 : 10000);
            string dir = Directory(r, outDir, "spurious-valleys");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var activations = new (string Spec, string Name, double[]? Poly)[]
            {
                ("identity", "linear", [0, 1]), ("square", "quadratic", [0, 0, 1]), ("poly(0,0,1,0.5)", "cubic polynomial", [0, 0, 1, 0.5]), ("relu", "ReLU", null),
            };
            int[] widths = q ? [1, 2, n, 2 * n + 1] : Enumerable.Range(1, 2 * n + 3).ToArray();
            var sweeps = activations.Select(a => (a, SpuriousValleys.Sweep(a.Spec, n, teacherWidth: 2, widths, k, t, q ? 60 : 200, 0.02))).ToList();
            TrajectoryPlot.SaveCurves(sweeps.Select(s => (s.a.Name, s.Item2.Select(w => (double)w.Reached / w.Seeds).ToArray())).ToList(),
                Path.Combine(dir, "reached"), $"Fraction of runs reaching the global minimum (n = {n} inputs)", "width p", "fraction reached",
                widths.Select(w => (double)w).ToArray(), (2 * n + 1, "p = 2n+1"));
            var quadratic = sweeps.Single(s => s.a.Name == "quadratic").Item2;
            var wide = quadratic.Where(w => w.Width >= 2 * n + 1).ToList();
            var claims = new (string, string, bool)[]
            {
                ($"Quadratic nets with p >= 2n+1 = {2 * n + 1} reach the global minimum from every start",
                    string.Join("; ", wide.Select(w => $"p = {w.Width}: {w.Reached}/{w.Seeds}")), wide.All(w => w.Reached == w.Seeds)),
                ("Two global minima of such a net are joined inside a low sublevel set (trained Bezier curve vs straight line)",
                    string.Join("; ", wide.Select(w => $"p = {w.Width}: curve barrier {F(w.CurveBarrier)}, line barrier {F(w.LineBarrier)}")),
                    wide.All(w => w.CurveBarrier <= 0.1 * Math.Max(w.LineBarrier, 0) + 1e-6)),
            };
            var table = new JsonArray(sweeps.SelectMany(s => s.Item2).Select(w => (JsonNode)new JsonObject
            {
                ["activation"] = w.Activation, ["width"] = w.Width, ["reached"] = w.Reached, ["seeds"] = w.Seeds, ["line_barrier"] = Output.Number(w.LineBarrier), ["curve_barrier"] = Output.Number(w.CurveBarrier),
            }).ToArray());
            var dims = new JsonObject(activations.Where(a => a.Poly is not null)
                .Select(a => new KeyValuePair<string, JsonNode?>(a.Name, SpuriousValleys.IntrinsicDimension(n, a.Poly!))));
            WriteExperiment(dir, new JsonObject
            {
                ["title"] = "Spurious valleys: width sweeps of two-layer networks",
                ["paper"] = Paper("spurious-valleys"),
                ["settings"] = new JsonObject { ["inputs"] = n, ["seeds"] = k, ["steps"] = t, ["widths"] = string.Join(",", widths), ["teacher_width"] = 2, ["quick"] = q },
                ["claims"] = ClaimsJson(claims),
                ["intrinsic_dimension"] = dims,
                ["sweep"] = table,
                ["seconds"] = clock.Elapsed.TotalSeconds,
            });
            string report = ReportCommand.Write(dir);
            foreach (var (name, value) in dims) stdout.WriteLine($"intrinsic dimension of the {name} activation on {n} inputs: {value}");
            foreach (var (a, results) in sweeps)
                stdout.WriteLine($"{a.Name,-18} " + string.Join("  ", results.Select(w => $"p={w.Width}: {w.Reached}/{w.Seeds}")));
            PrintClaims(stdout, claims);
            return Done(stdout, report, clock, claims);
        });
        return command;
    }

    static Command GoodBadMinimaCommand(TextWriter stdout)
    {
        var quick = new Option<bool>("--quick") { Description = "a small version (seconds), as the tests run it" };
        var outDir = new Option<string?>("--out") { Description = "output directory (default: experiments/good-bad-minima)" };
        var seed = new Option<ulong>("--seed") { Description = "seed of the training, the attack labels and the probes" };
        var command = new Command("good-bad-minima", Paper("good-bad-minima"));
        foreach (var o in new Option[] { quick, outDir, seed }) command.Options.Add(o);
        command.SetAction(r =>
        {
            bool q = r.GetValue(quick);
            string dir = Directory(r, outDir, "good-bad-minima");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string model = q ? "linear(784,32),relu,linear(32,10)" : "mlp:784-100-10";
            int clean = q ? 300 : 1000, attack = q ? 300 : 1000;
            var (good, bad) = GoodBadMinima.Run(model, clean, attack, q ? 300 : 3000, dir, r.GetValue(seed));
            TrajectoryPlot.SaveCurves([(good.Name, good.LineLoss), (bad.Name, bad.LineLoss)], Path.Combine(dir, "line"),
                "Clean training loss along a filter-normalized direction", "x", "loss", Enumerable.Range(0, 21).Select(i => -1 + i / 10.0).ToArray());
            foreach (var (m, file) in new[] { (good, "good-2d"), (bad, "bad-2d") })
            {
                SurfacePlots.Save(m.Plane, Path.Combine(dir, file));
                Basin.Landscape.SurfaceFile.Write(Path.Combine(dir, file + ".h5"), m.Plane);
            }
            var claims = new (string, string, bool)[]
            {
                ("Both minima fit the clean training set perfectly", $"training accuracy {F(100 * good.TrainAccuracy)} % and {F(100 * bad.TrainAccuracy)} %",
                    good.TrainAccuracy == 1 && bad.TrainAccuracy == 1),
                ("The attack-set minimum generalizes worse", $"test accuracy {F(100 * good.TestAccuracy)} % vs {F(100 * bad.TestAccuracy)} %", bad.TestAccuracy < good.TestAccuracy),
                ("The attack-set minimum is sharper: larger Hessian trace", $"trace {F(good.Trace)} +- {F(good.TraceStandardError)} vs {F(bad.Trace)} +- {F(bad.TraceStandardError)}", bad.Trace > good.Trace),
                ("... and a smaller basin (log volume from the top eigenvalues)", $"{F(good.LogBasinVolume)} vs {F(bad.LogBasinVolume)}", bad.LogBasinVolume < good.LogBasinVolume),
            };
            JsonObject Measures(MinimumMeasures m) => new()
            {
                ["train_accuracy"] = m.TrainAccuracy, ["test_accuracy"] = m.TestAccuracy, ["trace"] = m.Trace, ["trace_stderr"] = m.TraceStandardError,
                ["frobenius"] = m.Frobenius, ["log_basin_volume"] = m.LogBasinVolume,
                ["top_eigenvalues"] = new JsonArray(m.TopEigenvalues.Select(v => (JsonNode)v).ToArray()),
            };
            WriteExperiment(dir, new JsonObject
            {
                ["title"] = "Good and bad minima: an attack set of random labels",
                ["paper"] = Paper("good-bad-minima"),
                ["settings"] = new JsonObject { ["model"] = model, ["clean"] = clean, ["attack"] = attack, ["seed"] = r.GetValue(seed), ["quick"] = q },
                ["claims"] = ClaimsJson(claims),
                ["good"] = Measures(good), ["bad"] = Measures(bad),
                ["seconds"] = clock.Elapsed.TotalSeconds,
            });
            string report = ReportCommand.Write(dir);
            PrintClaims(stdout, claims);
            return Done(stdout, report, clock, claims);
        });
        return command;
    }

    static Command FlatnessReparamCommand(TextWriter stdout)
    {
        var quick = new Option<bool>("--quick") { Description = "a small version (seconds), as the tests run it" };
        var outDir = new Option<string?>("--out") { Description = "output directory (default: experiments/flatness-reparam)" };
        var alpha = new Option<double>("--alpha") { Description = "the rescaling factor", DefaultValueFactory = _ => 5 };
        var seed = new Option<ulong>("--seed") { Description = "seed of the training and the probes" };
        var command = new Command("flatness-reparam", Paper("flatness-reparam"));
        foreach (var o in new Option[] { quick, outDir, alpha, seed }) command.Options.Add(o);
        command.SetAction(r =>
        {
            bool q = r.GetValue(quick);
            string dir = Directory(r, outDir, "flatness-reparam");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string model = q ? "linear(784,32),relu,linear(32,10)" : "mlp:784-100-10";
            int n = q ? 300 : 2000;
            var results = FlatnessReparam.Run(model, n, q ? 15 : 40, [16, n], r.GetValue(alpha), dir, r.GetValue(seed));
            TrajectoryPlot.SaveCurves(results.SelectMany(m => new[] { ($"{m.Name}", m.FilterCurveBefore), ($"{m.Name}, rescaled", m.FilterCurveAfter) }).ToList(),
                Path.Combine(dir, "filter-normalized"), "Filter-normalized curves before and after alpha-rescaling (they coincide)", "x index (-1 ... 1)", "loss");
            static double Rel(double a, double b) => Math.Abs(a - b) / Math.Max(Math.Abs(a), 1e-300);
            double lossChange = results.Max(m => Rel(m.LossBefore, m.LossAfter));
            double curveChange = results.Max(m => m.FilterCurveBefore.Zip(m.FilterCurveAfter, Rel).Max());
            var raw = new[] { "epsilon-sharpness (eps 1e-3)", "Hessian trace (Hutchinson)", "top Hessian eigenvalue" };
            double rawChange = results.Min(m => m.Measures.Where(x => raw.Contains(x.Measure)).Min(x => Rel(x.Before, x.After)));
            double asamChange = results.Max(m => m.Measures.Where(x => x.Measure.StartsWith("ASAM", StringComparison.Ordinal)).Max(x => Rel(x.Before, x.After)));
            var claims = new (string, string, bool)[]
            {
                ($"Alpha-rescaling (alpha = {r.GetValue(alpha):G3}) leaves the function and the loss unchanged", $"largest relative loss change {F(lossChange)}", lossChange < 1e-9),
                ("Raw sharpness (epsilon-sharpness, Hessian trace, top eigenvalue) changes under it", $"smallest relative change {F(rawChange)}", rawChange > 0.01),
                ("Filter-normalized plots do not change", $"largest relative difference along the curves {F(curveChange)}", curveChange < 1e-8),
                ("Adaptive sharpness with eta = 0 does not change", $"largest relative change {F(asamChange)}", asamChange < 1e-6),
            };
            var observations = results.Select(m => (JsonNode)new JsonObject
            {
                ["minimum"] = m.Name, ["train_accuracy"] = m.TrainAccuracy, ["test_accuracy"] = m.TestAccuracy, ["generalization_gap"] = m.GeneralizationGap,
                ["measures"] = new JsonArray(m.Measures.Select(x => (JsonNode)new JsonObject { ["measure"] = x.Measure, ["before"] = x.Before, ["after"] = x.After }).ToArray()),
            }).ToArray();
            WriteExperiment(dir, new JsonObject
            {
                ["title"] = "Flatness under reparametrization: small- and large-batch minima",
                ["paper"] = Paper("flatness-reparam"),
                ["settings"] = new JsonObject { ["model"] = model, ["n"] = n, ["batches"] = $"16, {n}", ["alpha"] = r.GetValue(alpha), ["seed"] = r.GetValue(seed), ["quick"] = q },
                ["claims"] = ClaimsJson(claims),
                ["minima"] = new JsonArray(observations),
                ["seconds"] = clock.Elapsed.TotalSeconds,
            });
            string report = ReportCommand.Write(dir);
            foreach (var m in results)
                stdout.WriteLine($"{m.Name}: test accuracy {F(100 * m.TestAccuracy)} %, gap {F(100 * m.GeneralizationGap)} %; " +
                                 string.Join("; ", m.Measures.Select(x => $"{x.Measure} {F(x.Before)} -> {F(x.After)}")));
            PrintClaims(stdout, claims);
            return Done(stdout, report, clock, claims);
        });
        return command;
    }

    /// <summary>The experiment's output directory (--out, else experiments/NAME), checked and made before any work.</summary>
    static string Directory(ParseResult r, Option<string?> outDir, string name)
    {
        string dir = r.GetValue(outDir) ?? Path.Combine("experiments", name);
        OutputPath.RequireDirectory(dir, "--out");
        System.IO.Directory.CreateDirectory(dir);
        AtomicFile.RemoveStale(dir);
        return dir;
    }

    static string Paper(string name) => Catalog.Single(c => c.Name == name).Paper;

    static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    static JsonArray ClaimsJson((string Claim, string Measured, bool Holds)[] claims) =>
        new(claims.Select(c => (JsonNode)new JsonObject { ["claim"] = c.Claim, ["measured"] = c.Measured, ["holds"] = c.Holds }).ToArray());

    static void PrintClaims(TextWriter stdout, (string Claim, string Measured, bool Holds)[] claims)
    {
        foreach (var (claim, measured, holds) in claims) stdout.WriteLine($"[{(holds ? "holds" : "FAILS")}] {claim}: {measured}");
    }

    /// <summary>Names the report and the time taken; the exit code says whether every claim held.</summary>
    static int Done(TextWriter stdout, string report, System.Diagnostics.Stopwatch clock, (string Claim, string Measured, bool Holds)[] claims)
    {
        stdout.WriteLine($"wrote {report} ({clock.Elapsed.TotalSeconds:F1} s)");
        return claims.All(c => c.Holds) ? Cli.Ok : Cli.Failure;
    }

    static Command TheoryTwoCommand(TextWriter stdout)
    {
        var quick = new Option<bool>("--quick") { Description = "a small version (seconds), as the tests run it" };
        var outDir = new Option<string?>("--out") { Description = "output directory (default: experiments/theory2)" };
        var degree = new Option<int>("--degree") { Description = "degree of the polynomial that replaces ReLU", DefaultValueFactory = _ => 4 };
        var seed = new Option<ulong>("--seed") { Description = "seed of the first run (the second uses seed + 1)" };
        var command = new Command("theory2", Paper("theory2"));
        foreach (var o in new Option[] { quick, outDir, degree, seed }) command.Options.Add(o);
        command.SetAction(r =>
        {
            bool q = r.GetValue(quick);
            string dir = Directory(r, outDir, "theory2");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            int n = q ? 100 : 1000, channels = q ? 4 : 16;
            var t = TheoryTwo.Run(n, channels, q ? 100 : 200, r.GetValue(degree), dir, r.GetValue(seed));
            TrajectoryPlot.SaveCurves(t.PerturbedTrainError.Select((e, k) => ($"noise seed {k}", e.Select(x => 100 * x).ToArray())).ToList(),
                Path.Combine(dir, "perturbed-train-error"), "Training error while retraining after the perturbation", "epoch", "training error (%)");
            TrajectoryPlot.Save([("SGD", t.Mds.Points[..t.SgdCheckpoints]), ("full-batch GD", t.Mds.Points[t.SgdCheckpoints..])], Path.Combine(dir, "mds"),
                $"SGD and GD trajectories by MDS (stress {t.Mds.Stress:G3})", "MDS 1", "MDS 2");
            var claims = new (string, string, bool)[]
            {
                ("The CNN has more parameters than equations", $"{t.Parameters} parameters, {t.Equations} equations (examples x classes)", t.Parameters > t.Equations),
                ("SGD and full-batch GD reach zero training error", $"training accuracy {F(100 * t.SgdTrainAccuracy)} % (SGD), {F(100 * t.GdTrainAccuracy)} % (GD), {F(100 * t.OtherSeedTrainAccuracy)} % (SGD, other seed)",
                    t.SgdTrainAccuracy == 1 && t.GdTrainAccuracy == 1 && t.OtherSeedTrainAccuracy == 1),
                ("After a 0.01 x mean|w| perturbation, GD retraining keeps zero training error", $"largest training error while retraining {F(100 * t.PerturbedTrainError.Max(e => e.Max()))} %",
                    t.PerturbedTrainError.All(e => e.All(x => x == 0))),
                ("Within one basin straight lines between the retrained minima show no barrier", $"largest barrier {F(t.WithinBasinBarrier)}", t.WithinBasinBarrier <= 1e-3),
                ($"With ReLU replaced by its degree-{r.GetValue(degree)} least-squares polynomial the net still reaches zero training error", $"training accuracy {F(100 * t.PolynomialTrainAccuracy)} %",
                    t.PolynomialTrainAccuracy == 1),
            };
            WriteExperiment(dir, new JsonObject
            {
                ["title"] = "Theory II: degenerate zero-error minima of an over-parametrized CNN",
                ["paper"] = Paper("theory2"),
                ["settings"] = new JsonObject { ["examples"] = n, ["channels"] = channels, ["degree"] = r.GetValue(degree), ["seed"] = r.GetValue(seed), ["quick"] = q },
                ["claims"] = ClaimsJson(claims),
                ["across_basin_barrier"] = t.AcrossBasinBarrier, ["across_basin_distance"] = t.AcrossBasinDistance,
                ["polynomial"] = new JsonArray(t.PolynomialCoefficients.Select(c => (JsonNode)c).ToArray()),
                ["seconds"] = clock.Elapsed.TotalSeconds,
            });
            string report = ReportCommand.Write(dir);
            PrintClaims(stdout, claims);
            stdout.WriteLine($"across basins (two seeds): distance {F(t.AcrossBasinDistance)}, straight-line barrier {F(t.AcrossBasinBarrier)}");
            return Done(stdout, report, clock, claims);
        });
        return command;
    }
}
