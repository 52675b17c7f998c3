using System.CommandLine;
using System.Numerics;
using System.Text.Json.Nodes;
using Basin.Models;
using Basin.Objective;
using Basin.Training;
using Spectre.Console;

namespace Basin.Cli.Commands;

/// <summary>
/// <c>basin perturb RUN</c>: Liao and Poggio's perturb-and-retrain (Theory II): add N(0, (s mean|w|)^2) noise to a
/// trained minimum, retrain from several noise seeds, and report the training error along the way, the distances
/// between the minima reached and the straight-line barriers between them.
/// </summary>
internal static class PerturbCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var runArg = new Argument<string>("RUN") { Description = "a trained run directory" };
        var scale = new Option<double>("--scale") { Description = "noise standard deviation as a multiple of mean |w|", DefaultValueFactory = _ => 0.01 };
        var seeds = new Option<int>("--seeds") { Description = "noise seeds (one retraining each)", DefaultValueFactory = _ => 3 };
        var epochs = new Option<int>("--epochs") { Description = "retraining epochs", DefaultValueFactory = _ => 20 };
        var optimizer = new Option<string>("--optimizer") { Description = "gd (full batch, as Theory II) or sgd", DefaultValueFactory = _ => "gd" };
        var lr = new Option<double?>("--lr") { Description = "learning rate (default: the run's)" };
        var outDir = new Option<string?>("--out") { Description = "where the retrained runs go (default: RUN/perturb)" };
        var threads = new Option<int>("--threads") { Description = "worker threads" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var command = new Command("perturb", "Perturb a minimum by Gaussian noise and retrain (Liao and Poggio's Theory II).");
        command.Arguments.Add(runArg);
        foreach (var o in new Option[] { scale, seeds, epochs, optimizer, lr, outDir, threads, json }) command.Options.Add(o);
        command.SetAction(r =>
        {
            var run = RunDirectory.IsRun(r.GetValue(runArg)!) ? new RunDirectory(r.GetValue(runArg)!)
                : throw new BasinException(r.GetValue(runArg)!, "is not a run directory (no model.json)", "train one with basin train --out DIR");
            var config = run.ReadConfig();
            return CommonOptions.IsDouble(config.DType)
                ? Run<double>(run, config, r.GetValue(scale), r.GetValue(seeds), r.GetValue(epochs), r.GetValue(optimizer)!, r.GetValue(lr), r.GetValue(outDir), r.GetValue(threads), r.GetValue(json), stdout, stderr)
                : Run<float>(run, config, r.GetValue(scale), r.GetValue(seeds), r.GetValue(epochs), r.GetValue(optimizer)!, r.GetValue(lr), r.GetValue(outDir), r.GetValue(threads), r.GetValue(json), stdout, stderr);
        });
        return command;
    }

    static int Run<T>(RunDirectory run, RunConfig config, double scale, int seeds, int epochs, string optimizer, double? lr, string? outDir,
        int threads, bool asJson, TextWriter stdout, TextWriter stderr) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string root = outDir ?? Path.Combine(run.Path, "perturb");
        OutputPath.RequireDirectory(root, "--out");
        var (_, train, test) = TrainRunner.Load(config);
        var network = ModelSpec.Build<T>(config.Model, train.InputShape);
        var minimum = SafeTensors.ReadTheta<T>(run.Weights(), network.Layout);
        double meanAbs = minimum.Average(w => Math.Abs(double.CreateTruncating(w))), sigma = scale * meanAbs;
        var results = Progress.Status(stderr, "retraining from the perturbations...", () =>
            PerturbRetrain.Run(config, train, test, minimum, network.Layout, scale, seeds, epochs, optimizer, lr, root, threads));
        var objective = new EmpiricalRisk<T>(network, train, config.Loss, config.L2, 500, threads);
        var (distance, barrier) = PerturbRetrain.Pairwise(objective, [minimum, .. results.Select(x => x.Weights)]);
        int m = results.Count + 1;
        string[] names = ["minimum", .. results.Select(x => $"seed {x.Seed}")];
        Basin.Reports.Plots.TrajectoryPlot.SaveCurves(results.Select(x => ($"seed {x.Seed}", x.Rows.Select(row => 100 * (1 - row.TrainAccuracy)).ToArray())).ToList(),
            Path.Combine(root, "train-error"), "Training error after the perturbation", "epoch", "training error (%)");
        if (asJson)
        {
            var json = new JsonObject
            {
                ["sigma"] = sigma, ["mean_abs_weight"] = meanAbs,
                ["runs"] = new JsonArray(results.Select(x => (JsonNode)new JsonObject
                {
                    ["seed"] = x.Seed,
                    ["train_error"] = new JsonArray(x.Rows.Select(row => Output.Number(1 - row.TrainAccuracy)).ToArray()),
                    ["train_loss"] = new JsonArray(x.Rows.Select(row => Output.Number(row.TrainLoss)).ToArray()),
                }).ToArray()),
                ["names"] = new JsonArray(names.Select(nm => (JsonNode)nm).ToArray()),
                ["distances"] = Matrix(distance), ["barriers"] = Matrix(barrier),
            };
            stdout.WriteLine(json.ToJsonString());
            return Cli.Ok;
        }
        var console = Output.Console(stdout);
        console.WriteLine($"noise N(0, sigma^2), sigma = {scale:G3} x mean|w| = {sigma:G4}; retrained {epochs} epochs by {optimizer}");
        var errors = new Table().AddColumn("seed").AddColumn(new TableColumn("train error: start").RightAligned()).AddColumn(new TableColumn("max").RightAligned()).AddColumn(new TableColumn("end").RightAligned());
        foreach (var (seed, _, rows) in results)
            errors.AddRow($"{seed}", $"{100 * (1 - rows[0].TrainAccuracy):F2} %", $"{100 * rows.Max(x => 1 - x.TrainAccuracy):F2} %", $"{100 * (1 - rows[^1].TrainAccuracy):F2} %");
        console.Write(errors);
        var pairs = new Table().AddColumn("pair").AddColumn(new TableColumn("distance").RightAligned()).AddColumn(new TableColumn("straight-line barrier").RightAligned());
        for (int i = 0; i < m; i++) for (int j = 0; j < i; j++) pairs.AddRow($"{names[j]} - {names[i]}", $"{distance[i, j]:G4}", $"{barrier[i, j]:G4}");
        console.Write(pairs);
        console.WriteLine($"retrained runs in {root}; training error curves in {Path.Combine(root, "train-error.png")}");
        return Cli.Ok;
    }

    static JsonArray Matrix(double[,] a) => new(Enumerable.Range(0, a.GetLength(0))
        .Select(i => (JsonNode)new JsonArray(Enumerable.Range(0, a.GetLength(1)).Select(j => Output.Number(a[i, j])).ToArray())).ToArray());
}
