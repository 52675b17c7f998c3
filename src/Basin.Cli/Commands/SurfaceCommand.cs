using System.Globalization;

namespace Basin.Cli.Commands;

/// <summary><c>basin surface</c>: loss and accuracy on a 1D line or 2D plane of directions around the weights.</summary>
internal static class SurfaceCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var c = new CommonOptions();
        var cluster = new ClusterOption();
        var device = new DeviceOption(cluster);
        var dirX = new Option<string?>("--dir-x") { Description = "x direction from a safetensors file (normalized by --norm)" };
        var dirY = new Option<string?>("--dir-y") { Description = "y direction from a safetensors file (normalized by --norm)" };
        var towardX = new Option<string?>("--dir-x-toward") { Description = "x direction = these weights (file or run) minus the model's, not normalized" };
        var towardY = new Option<string?>("--dir-y-toward") { Description = "y direction = these weights (file or run) minus the model's, not normalized" };
        var norm = new Option<string>("--norm") { Description = "filter (Li et al.), layer, weight or none", DefaultValueFactory = _ => "filter" };
        var ignore = new Option<string?>("--ignore") { Description = "bias (zero bias directions), biasbn (every 1-D tensor: biases, BatchNorm; the default with BatchNorm) or none" };
        var orthogonalize = new Option<bool>("--orthogonalize") { Description = "make the y direction orthogonal to x before normalizing" };
        var seed = new Option<ulong>("--seed") { Description = "seed of the random directions" };
        var xRange = new Option<string>("--xrange") { Description = "MIN:MAX:COUNT along x", DefaultValueFactory = _ => "-1:1:21" };
        var yRange = new Option<string?>("--yrange") { Description = "MIN:MAX:COUNT along y (omit for a 1D curve)" };
        var test = new Option<bool>("--test") { Description = "also evaluate the test split" };
        var testN = new Option<int?>("--test-n") { Description = "first N test examples" };
        var outFile = new Option<string>("--out") { Description = "HDF5 file (loss-landscape names); the directions are saved beside it", DefaultValueFactory = _ => "surface.h5" };
        var force = new Option<bool>("--force") { Description = "compute again even if --out holds this surface" };
        var chunk = new Option<int?>("--flush-every") { Description = "cells per data pass, the file saved after each (default: sized to save about every --flush-seconds)" };
        var flushSeconds = new Option<double>("--flush-seconds") { Description = "save the partial surface about this often", DefaultValueFactory = _ => 10.0 };
        var noPlots = new Option<bool>("--no-plots") { Description = "skip the PNG/SVG figures and the 3D HTML page" };
        var dirH5 = new Option<bool>("--h5-directions") { Description = "also the directions as loss-landscape's direction file, STEM.dir.h5 (xdirection, ydirection)" };
        var vtp = new Option<bool>("--vtp") { Description = "also the training loss as ParaView polydata (.vtp) beside the .h5; basin export vtp for its options" };
        var log = new Option<bool>("--log") { Description = "plot log10 of the loss" };
        var eigen = new Option<bool>("--eigen") { Description = "also the Hessian's extreme eigenvalues at every cell (max_eig, min_eig) and the convexity map |min/max|" };
        var eigenSteps = new Option<int>("--eigen-steps") { Description = "Lanczos steps per cell for --eigen", DefaultValueFactory = _ => 30 };
        var command = new Command("surface", "Loss and accuracy along one or two (filter-normalized) directions around the weights.");
        c.AddTo(command);
        cluster.AddTo(command);
        device.AddTo(command);
        foreach (var o in new Option[] { dirX, dirY, towardX, towardY, norm, ignore, orthogonalize, seed, xRange, yRange, test, testN, outFile, force, chunk, flushSeconds, noPlots, vtp, dirH5, log, eigen, eigenSteps })
            command.Options.Add(o);
        command.SetAction(r =>
        {
            var options = new SurfaceOptions
            {
                X = Axis.Parse(r.GetValue(xRange)!, "--xrange"), Y = r.GetValue(yRange) is { } yr ? Axis.Parse(yr, "--yrange") : null,
                Norm = Directions.ParseNormalization(r.GetValue(norm)!),
                Ignore = r.GetValue(ignore) is { } i ? Directions.ParseIgnore(i) : null,
                Orthogonalize = r.GetValue(orthogonalize), Seed = r.GetValue(seed),
                DirectionX = r.GetValue(dirX), DirectionY = r.GetValue(dirY), TowardX = r.GetValue(towardX), TowardY = r.GetValue(towardY),
                EigenSteps = r.GetValue(eigen) ? r.GetValue(eigenSteps) : null,
                File = r.GetValue(outFile)!, Force = r.GetValue(force), FlushEvery = r.GetValue(chunk), FlushSeconds = r.GetValue(flushSeconds),
                DirectionsHdf5 = r.GetValue(dirH5),
            };
            OutputPath.RequireFile(options.File, "--out");
            device.Cuda(r);
            var data = c.LoadData(r);
            var testData = r.GetValue(test) ? c.LoadData(r, "test", r.GetValue(testN)) : null;
            if (r.GetValue(vtp) && options.Y is null) throw new BasinException("--vtp", "a 1D curve has no surface to draw in 3D", "give a --yrange, or leave --vtp out");
            var origin = c.Landscape(r, data);
            if ((options.TowardX ?? options.TowardY) is { } toward && !origin.Buffers.IsEmpty)
                stderr.WriteLine($"note: BatchNorm's running statistics stay the model's along every direction (as loss-landscape's), so the point at 1 is " +
                    $"{toward}'s weights with the model's statistics, not {toward} as it evaluates itself; basin interpolate --update-bn recomputes them along the line");
            return cluster.Run(r, c, origin, testData, r.GetValue(testN), stderr, landscape => device.Run(r, landscape, data, testData, stderr, l =>
                Run(l, options with { Test = testData }, !r.GetValue(noPlots), r.GetValue(log), r.GetValue(c.Json), stdout, stderr, r.GetValue(vtp))));
        });
        return command;
    }

    /// <summary>Computes (or resumes) the surface into its file, draws it unless told not to, and prints a summary or the JSON.</summary>
    public static int Run(LossLandscape landscape, SurfaceOptions options, bool plots, bool log, bool json, TextWriter stdout, TextWriter stderr, bool vtp = false)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        (Surface Surface, bool Resumed) result = default;
        try
        {
            Progress.Run(stderr, "surface", options.X.Count * (options.Y?.Count ?? 1), 0, report => result = landscape.Surface(options, report, Interruption.Token));
        }
        catch (OperationCanceledException e)
        {
            stderr.WriteLine($"stopped: {e.Message}; the same command continues it");
            throw;
        }
        clock.Stop();
        var surface = result.Surface!;
        string stem = SurfaceStudy.Stem(options.File!);
        var written = new List<string> { options.File!, stem + ".dir_x.safetensors" };
        if (surface.Y is not null) written.Add(stem + ".dir_y.safetensors");
        if (options.DirectionsHdf5) written.Add(stem + ".dir.h5");
        if (vtp)
        {
            SurfaceVtp.Write(stem + ".vtp", surface);
            written.Add(stem + ".vtp");
        }
        if (plots)
        {
            Basin.Reports.Plots.SurfacePlots.Save(surface, stem, log);
            written.AddRange([stem + ".png", stem + ".svg"]);
            if (surface.HasTest && surface.Y is not null) written.AddRange([stem + "-test.png", stem + "-test.svg"]);
            if (surface.MaxEig is not null)
            {
                Basin.Reports.Plots.SurfacePlots.SaveConvexity(surface, stem + "-convexity");
                written.AddRange([stem + "-convexity.png", stem + "-convexity.svg"]);
            }
            if (surface.Y is not null)
            {
                Basin.Reports.Plots.SurfaceHtml.Write(surface, stem + ".html", $"{landscape.Spec} on {landscape.Data.Name}: training loss");
                written.Add(stem + ".html");
            }
        }
        if (json) stdout.WriteLine(surface.ToJson().ToJsonString());
        else Summary(stdout, surface, written, clock.Elapsed.TotalSeconds, result.Resumed);
        return Cli.Ok;
    }

    static void Summary(TextWriter stdout, Surface s, IReadOnlyList<string> written, double seconds, bool resumed)
    {
        int nan = s.TrainLoss.Count(v => !double.IsFinite(v));
        var table = new Table().AddColumn("").AddColumn(new TableColumn("train loss").RightAligned()).AddColumn(new TableColumn("train accuracy").RightAligned()).AddColumn("at");
        foreach (var (name, cell) in new[] { ("centre", s.Center), ("minimum", s.Lowest) })
            if (cell is int k) table.AddRow(name, $"{s.TrainLoss[k]:G6}", Output.Percent(s.TrainAccuracy[k]), s.Y is null ? $"x = {s.Coordinates(k).X:G4}" : $"(x, y) = ({s.Coordinates(k).X:G4}, {s.Coordinates(k).Y:G4})");
        if (nan < s.Cells) table.AddRow("maximum", $"{s.TrainLoss.Where(double.IsFinite).Max():G6}", "", "");
        table.AddRow("non-finite cells", nan.ToString(CultureInfo.InvariantCulture), "", nan > 0 ? "stored as NaN/inf" : "");
        if (Enumerable.Range(0, s.Cells).Select(s.Convexity).Where(double.IsFinite).Order().ToArray() is { Length: > 0 } ratios)
            table.AddRow("|min/max eig|", $"median {ratios[ratios.Length / 2]:G3}", $"max {ratios[^1]:G3}", s.Center is int c0 ? $"centre {s.Convexity(c0):G3}" : "");
        var console = Output.Console(stdout);
        console.WriteLine($"{(s.Y is null ? "1D" : "2D")} surface, {s.X.Count}{(s.Y is null ? "" : $" x {s.Y.Count}")} cells{(resumed ? " (resumed)" : "")}, {seconds:F2} s");
        console.Write(table);
        console.WriteLine("wrote " + string.Join(", ", written));
    }
}
