using Basin.Trajectories;

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
        var h5 = new Option<bool>("--h5-directions") { Description = "pca: also loss-landscape's files, STEM.dir.h5 (the directions, explained_variance_ratio_) and STEM.proj.h5 (proj_xcoord, proj_ycoord)" };
        var device = new DeviceOption();
        var command = new Command("trajectory", "Training trajectories on their PCA plane (with the loss surface) or embedded by MDS.");
        command.Arguments.Add(runs);
        foreach (var o in new Option[] { method, reference, surface, grid, data, dataDir, n, outStem, h5, json }) command.Options.Add(o);
        device.AddTo(command);
        command.SetAction(r =>
        {
            OutputPath.RequireFile(r.GetValue(outStem)! + ".png", "--out");
            int cells = r.GetValue(surface) ? Math.Max(3, r.GetValue(grid)) : 0;
            var options = new TrajectoryOptions
            {
                Method = r.GetValue(method)!, Reference = r.GetValue(reference), SurfaceGrid = cells, Data = r.GetValue(data), DataDir = r.GetValue(dataDir), N = r.GetValue(n),
                Device = device.Plane(r, stderr),
            };
            if (options.Device is not null && cells == 0) throw new BasinException("--device", "only the plane's surface (--surface) runs on the GPU", "add --surface, or leave --device out");
            if (r.GetValue(h5) && options.Method.ToLowerInvariant() != "pca") throw new BasinException("--h5-directions", "an MDS embedding has no directions", "use --method pca");
            return Run(r.GetValue(runs)!, options, r.GetValue(outStem)!, r.GetValue(json), stdout, stderr, r.GetValue(h5));
        });
        return command;
    }

    /// <summary>Places the runs' checkpoints, draws them to <paramref name="stem"/>.png/.svg (and the plane's surface to .h5), and prints.</summary>
    public static int Run(IReadOnlyList<string> runs, TrajectoryOptions options, string stem, bool json, TextWriter stdout, TextWriter stderr, bool h5 = false)
    {
        Trajectory t = null!;
        if (options.SurfaceGrid > 0) Progress.Run(stderr, "surface of the PCA plane", options.SurfaceGrid * options.SurfaceGrid, 0, report => t = Trajectory.Of(runs, options, report));
        else t = Trajectory.Of(runs, options);
        var frames = t.Runs.Select(x => (x.Run, x.Coordinates)).ToList();
        var table = new Table().AddColumn("run").AddColumn(new TableColumn("checkpoints").RightAligned());
        if (t.ExplainedVariance is { } ev)
        {
            if (t.Plane is { } plane) SurfaceFile.Write(stem + ".h5", plane);
            if (h5) t.WriteLossLandscapeFiles(stem);
            Basin.Reports.Plots.TrajectoryPlot.Save(frames, stem, "Trajectories on their PCA plane", $"PC1 ({100 * ev[0]:F1} %)", $"PC2 ({100 * ev[1]:F1} %)", t.Plane);
            table.AddColumn(new TableColumn("start (x, y)").RightAligned()).AddColumn(new TableColumn("largest distance off the plane").RightAligned());
            foreach (var x in t.Runs)
                table.AddRow(Markup.Escape(x.Run), $"{x.Steps.Length}", $"({x.Coordinates[0][0]:G3}, {x.Coordinates[0][1]:G3})", $"{x.OffPlane!.Max():G4}");
        }
        else
        {
            Basin.Reports.Plots.TrajectoryPlot.Save(frames, stem, $"MDS of the checkpoints (stress {t.Stress:G3})", "MDS 1", "MDS 2");
            Basin.Reports.Plots.TrajectoryPlot.SaveByLoss(t.Points, t.Losses!, stem + "-loss", "MDS of the checkpoints", "MDS 1", "MDS 2");
            foreach (var x in t.Runs) table.AddRow(Markup.Escape(x.Run), $"{x.Steps.Length}");
        }
        if (json) { stdout.WriteLine(t.ToJson().ToJsonString()); return Cli.Ok; }
        var console = Output.Console(stdout);
        console.Write(table);
        if (t.ExplainedVariance is { } v) console.WriteLine($"explained variance: PC1 {100 * v[0]:F1} %, PC2 {100 * v[1]:F1} % (around {t.Reference})");
        else console.WriteLine($"SMACOF stress {t.Stress:G4} (classical MDS {t.ClassicalStress:G4})");
        console.WriteLine($"wrote {stem}.png, {stem}.svg" + (t.Plane is null ? "" : $", {stem}.h5") + (h5 ? $", {stem}.dir.h5, {stem}.proj.h5" : "")
            + (t.Stress is null ? "" : $", {stem}-loss.png, {stem}-loss.svg"));
        return Cli.Ok;
    }
}
