using System.CommandLine;
using System.Text.Json.Nodes;
using Basin.Data;
using Basin.Landscape;
using Basin.Models;
using Basin.Tensors;
using Basin.Objective;
using Basin.Trajectories;
using Spectre.Console;

namespace Basin.Cli.Commands;

/// <summary>
/// <c>basin trajectory RUN...</c>: the checkpoints of one or several runs in one frame, on their PCA plane (Li et al.
/// 2018, optionally over the loss surface of that plane) or embedded by MDS (Liao and Poggio's Theory II).
/// </summary>
internal static class TrajectoryCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var runs = new Argument<string[]>("RUN") { Description = "run directories (made by basin train)", Arity = ArgumentArity.OneOrMore };
        var method = new Option<string>("--method") { Description = "pca or mds", DefaultValueFactory = _ => "pca" };
        var reference = new Option<string?>("--reference") { Description = "the point the PCA is taken around (weights file or run; default: the first run's final weights)" };
        var surface = new Option<bool>("--surface") { Description = "pca: also the loss surface of the plane under the paths" };
        var grid = new Option<int>("--grid") { Description = "cells per side of that surface", DefaultValueFactory = _ => 21 };
        var data = new Option<string?>("--data") { Description = "data for --surface (default: the first run's)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "folder with the data files" };
        var n = new Option<int?>("--n") { Description = "first N examples for --surface (default: the run's)" };
        var outStem = new Option<string>("--out") { Description = "figure STEM.png / STEM.svg", DefaultValueFactory = _ => "trajectory" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var command = new Command("trajectory", "Training trajectories on their PCA plane (with the loss surface) or embedded by MDS.");
        command.Arguments.Add(runs);
        foreach (var o in new Option[] { method, reference, surface, grid, data, dataDir, n, outStem, json }) command.Options.Add(o);
        command.SetAction(r =>
        {
            var dirs = r.GetValue(runs)!.Select(d => RunDirectory.IsRun(d) ? new RunDirectory(d) : throw new BasinException(d, "is not a run directory (no model.json)", "pass directories made by basin train")).ToList();
            var config = dirs[0].ReadConfig();
            var spec = ModelSpec.Expand(config.Model);
            foreach (var d in dirs.Skip(1))
                if (ModelSpec.Expand(d.ReadConfig().Model) != spec)
                    throw new BasinException(d.Path, $"trains {d.ReadConfig().Model}, not {config.Model}", "runs in one frame must share the model");
            var trainData = DataCatalog.Load(r.GetValue(data) ?? config.Data, "train", r.GetValue(dataDir) ?? config.DataDir, r.GetValue(n) ?? config.N);
            var network = ModelSpec.Build<double>(spec, trainData.InputShape);
            int checkpoints = dirs.Sum(d => d.Checkpoints().Count);
            // Every checkpoint in float64, and the Gram (PCA) or distance (MDS) matrices over them.
            MemoryBudget.Require(8.0 * checkpoints * network.ParameterCount + 24.0 * checkpoints * checkpoints,
                $"{checkpoints} checkpoints of {network.ParameterCount:N0} parameters", "pass fewer runs, or runs saved less often (--save-every)");
            var paths = dirs.Select(d => (Run: d.Path, Steps: d.Checkpoints().ToArray(),
                Points: d.Checkpoints().Select(s => SafeTensors.ReadTheta<double>(d.CheckpointPath(s), network.Layout)).ToArray())).ToList();
            var all = paths.SelectMany(p => p.Points).ToList();
            string refPath = r.GetValue(reference) is { } rp ? (RunDirectory.IsRun(rp) ? new RunDirectory(rp).Weights() : rp) : dirs[0].Weights();
            var center = SafeTensors.ReadTheta<double>(refPath, network.Layout);
            string stem = r.GetValue(outStem)!;
            OutputPath.RequireFile(stem + ".png", "--out");
            var result = new JsonObject { ["method"] = r.GetValue(method), ["reference"] = refPath };
            var frames = new List<(string Run, double[][] Points)>();
            var table = new Table().AddColumn("run").AddColumn(new TableColumn("checkpoints").RightAligned());
            switch (r.GetValue(method)!.ToLowerInvariant())
            {
                case "pca":
                {
                    var pca = TrajectoryPca.Fit(all, center);
                    int k = 0;
                    var runsJson = new JsonArray();
                    table.AddColumn(new TableColumn("start (x, y)").RightAligned()).AddColumn(new TableColumn("largest distance off the plane").RightAligned());
                    foreach (var (run, steps, points) in paths)
                    {
                        var coords = pca.Coordinates.Skip(k).Take(points.Length).ToArray();
                        var off = pca.OffPlane.Skip(k).Take(points.Length).ToArray();
                        k += points.Length;
                        frames.Add((run, coords));
                        table.AddRow(Markup.Escape(run), $"{points.Length}", $"({coords[0][0]:G3}, {coords[0][1]:G3})", $"{off.Max():G4}");
                        runsJson.Add(new JsonObject
                        {
                            ["run"] = run,
                            ["steps"] = new JsonArray(steps.Select(s => (JsonNode)s).ToArray()),
                            ["coordinates"] = new JsonArray(coords.Select(c => (JsonNode)new JsonArray(c[0], c[1])).ToArray()),
                            ["off_plane"] = new JsonArray(off.Select(v => (JsonNode)v).ToArray()),
                        });
                    }
                    result["explained_variance"] = new JsonArray(pca.ExplainedVariance[0], pca.ExplainedVariance[1]);
                    result["runs"] = runsJson;
                    Surface? plane = null;
                    if (r.GetValue(surface))
                    {
                        var xs = pca.Coordinates.Select(c => c[0]).ToArray();
                        var ys = pca.Coordinates.Select(c => c[1]).ToArray();
                        Axis Around(double[] v) { double lo = v.Min(), hi = v.Max(), pad = 0.15 * Math.Max(hi - lo, 1e-6); return new Axis(lo - pad, hi + pad, Math.Max(3, r.GetValue(grid))); }
                        plane = new Surface(Around(xs), Around(ys), false, new Dictionary<string, string>());
                        var objective = new EmpiricalRisk<double>(network, trainData, config.Loss, config.L2, 500, 0);
                        Progress.Run(stderr, "surface of the PCA plane", plane.Cells, 0, report =>
                            SurfaceComputation.Complete(plane, objective, null, center, pca.DirectionX, pca.DirectionY, progress: report));
                        SurfaceFile.Write(stem + ".h5", plane);
                        result["surface"] = SurfaceCommand.Json(plane);
                    }
                    Basin.Reports.Plots.TrajectoryPlot.Save(frames, stem, "Trajectories on their PCA plane",
                        $"PC1 ({100 * pca.ExplainedVariance[0]:F1} %)", $"PC2 ({100 * pca.ExplainedVariance[1]:F1} %)", plane);
                    break;
                }
                case "mds":
                {
                    var embedding = Mds.Smacof(Mds.Distances(all));
                    int k = 0;
                    var runsJson = new JsonArray();
                    foreach (var (run, steps, points) in paths)
                    {
                        var coords = embedding.Points.Skip(k).Take(points.Length).ToArray();
                        k += points.Length;
                        frames.Add((run, coords));
                        table.AddRow(Markup.Escape(run), $"{points.Length}");
                        runsJson.Add(new JsonObject
                        {
                            ["run"] = run,
                            ["steps"] = new JsonArray(steps.Select(s => (JsonNode)s).ToArray()),
                            ["coordinates"] = new JsonArray(coords.Select(c => (JsonNode)new JsonArray(c[0], c[1])).ToArray()),
                        });
                    }
                    result["stress"] = embedding.Stress;
                    result["classical_stress"] = embedding.StressHistory[0];
                    result["runs"] = runsJson;
                    Basin.Reports.Plots.TrajectoryPlot.Save(frames, stem, $"MDS of the checkpoints (stress {embedding.Stress:G3})", "MDS 1", "MDS 2");
                    var objective = new EmpiricalRisk<double>(network, trainData, config.Loss, config.L2, 500, 0);
                    var losses = all.Select(w => objective.Evaluate(w).Loss).ToArray();
                    Basin.Reports.Plots.TrajectoryPlot.SaveByLoss(embedding.Points, losses, stem + "-loss", "MDS of the checkpoints", "MDS 1", "MDS 2");
                    result["losses"] = new JsonArray(losses.Select(Output.Number).ToArray());
                    break;
                }
                default:
                    throw new BasinException("--method", $"unknown method '{r.GetValue(method)}'", "use pca or mds");
            }
            if (r.GetValue(json)) { stdout.WriteLine(result.ToJsonString()); return Cli.Ok; }
            var console = Output.Console(stdout);
            console.Write(table);
            if (result["explained_variance"] is JsonArray ev)
                console.WriteLine($"explained variance: PC1 {100 * ev[0]!.GetValue<double>():F1} %, PC2 {100 * ev[1]!.GetValue<double>():F1} % (around {refPath})");
            if (result["stress"] is { } stress) console.WriteLine($"SMACOF stress {stress.GetValue<double>():G4} (classical MDS {result["classical_stress"]!.GetValue<double>():G4})");
            console.WriteLine($"wrote {stem}.png, {stem}.svg" + (r.GetValue(surface) ? $", {stem}.h5" : "") + (result["stress"] is null ? "" : $", {stem}-loss.png, {stem}-loss.svg"));
            return Cli.Ok;
        });
        return command;
    }
}
