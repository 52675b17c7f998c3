using System.CommandLine;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Basin.Data;
using Basin.Landscape;
using Basin.Models;
using Basin.Objective;
using Spectre.Console;

namespace Basin.Cli.Commands;

/// <summary><c>basin surface</c>: loss and accuracy on a 1D line or 2D plane of directions around the weights.</summary>
internal static class SurfaceCommand
{
    sealed class Options
    {
        public readonly CommonOptions Common = new();
        public readonly Option<string?> DirX = new("--dir-x") { Description = "x direction from a safetensors file (normalized by --norm)" };
        public readonly Option<string?> DirY = new("--dir-y") { Description = "y direction from a safetensors file (normalized by --norm)" };
        public readonly Option<string?> TowardX = new("--dir-x-toward") { Description = "x direction = these weights (file or run) minus the model's, not normalized" };
        public readonly Option<string?> TowardY = new("--dir-y-toward") { Description = "y direction = these weights (file or run) minus the model's, not normalized" };
        public readonly Option<string> Norm = new("--norm") { Description = "filter (Li et al.), layer, weight or none", DefaultValueFactory = _ => "filter" };
        public readonly Option<string> Ignore = new("--ignore") { Description = "bias (zero bias directions) or none", DefaultValueFactory = _ => "bias" };
        public readonly Option<bool> Orthogonalize = new("--orthogonalize") { Description = "make the y direction orthogonal to x before normalizing" };
        public readonly Option<ulong> Seed = new("--seed") { Description = "seed of the random directions" };
        public readonly Option<string> XRange = new("--xrange") { Description = "MIN:MAX:COUNT along x", DefaultValueFactory = _ => "-1:1:21" };
        public readonly Option<string?> YRange = new("--yrange") { Description = "MIN:MAX:COUNT along y (omit for a 1D curve)" };
        public readonly Option<bool> Test = new("--test") { Description = "also evaluate the test split" };
        public readonly Option<int?> TestN = new("--test-n") { Description = "first N test examples" };
        public readonly Option<string> Out = new("--out") { Description = "HDF5 file (loss-landscape names); the directions are saved beside it", DefaultValueFactory = _ => "surface.h5" };
        public readonly Option<bool> Force = new("--force") { Description = "compute again even if --out holds this surface" };
        public readonly Option<int?> Chunk = new("--flush-every") { Description = "cells per data pass, the file saved after each (default: sized to save about every --flush-seconds)" };
        public readonly Option<double> FlushSeconds = new("--flush-seconds") { Description = "save the partial surface about this often", DefaultValueFactory = _ => 10.0 };
        public readonly Option<bool> NoPlots = new("--no-plots") { Description = "skip the PNG/SVG figures and the 3D HTML page" };
        public readonly Option<bool> Log = new("--log") { Description = "plot log10 of the loss" };

        public void AddTo(Command c)
        {
            Common.AddTo(c);
            foreach (var o in new Option[] { DirX, DirY, TowardX, TowardY, Norm, Ignore, Orthogonalize, Seed, XRange, YRange, Test, TestN, Out, Force, Chunk, FlushSeconds, NoPlots, Log })
                c.Options.Add(o);
        }
    }

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var o = new Options();
        var command = new Command("surface", "Loss and accuracy along one or two (filter-normalized) directions around the weights.");
        o.AddTo(command);
        command.SetAction(r => CommonOptions.IsDouble(r.GetValue(o.Common.DType)!) ? Run<double>(r, o, stdout, stderr) : Run<float>(r, o, stdout, stderr));
        return command;
    }

    static T[] Direction<T>(ParseResult r, Option<string?> file, Option<string?> toward, T[] theta, Basin.Engine.ParameterLayout layout,
        ulong stream, out string source, out bool normalize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (r.GetValue(file) is not null && r.GetValue(toward) is not null)
            throw new BasinException(file.Name, $"give either {file.Name} or {toward.Name}, not both");
        if (r.GetValue(toward) is { } target)
        {
            CommonOptions.RequireWeights(target);
            string weights = RunDirectory.IsRun(target) ? new RunDirectory(target).Weights() : target;
            source = "toward other weights";
            normalize = false;
            return Directions.Difference<T>(theta, SafeTensors.ReadTheta<T>(weights, layout));
        }
        normalize = true;
        if (r.GetValue(file) is { } f)
        {
            source = "file";
            return SafeTensors.ReadTheta<T>(f, layout);
        }
        source = $"random seed {r.GetValue<ulong>("--seed")} stream {stream}";
        return Directions.Random<T>(layout, r.GetValue<ulong>("--seed"), stream);
    }

    static int Run<T>(ParseResult r, Options o, TextWriter stdout, TextWriter stderr) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = o.Common;
        string outPath = r.GetValue(o.Out)!;
        OutputPath.RequireFile(outPath, "--out");
        var norm = Directions.ParseNormalization(r.GetValue(o.Norm)!);
        bool ignoreBias = r.GetValue(o.Ignore)!.ToLowerInvariant() switch
        {
            "bias" => true,
            "none" => false,
            var other => throw new BasinException("--ignore", $"unknown value '{other}'", "use bias or none"),
        };
        var x = Axis.Parse(r.GetValue(o.XRange)!, "--xrange");
        var y = r.GetValue(o.YRange) is { } yr ? Axis.Parse(yr, "--yrange") : null;
        if (y is null && (r.GetValue(o.DirY) is not null || r.GetValue(o.TowardY) is not null))
            throw new BasinException("--yrange", "a y direction was given but no --yrange", "add e.g. --yrange -1:1:21");
        bool test = r.GetValue(o.Test);
        var data = c.LoadData(r);
        var testData = test ? DataCatalog.Load(r.GetValue(c.Data)!, "test", r.GetValue(c.DataDir), r.GetValue(o.TestN)) : null;
        var (network, theta) = c.LoadModel<T>(r, data);

        var dx = Direction(r, o.DirX, o.TowardX, theta, network.Layout, 1, out string xSource, out bool normX);
        T[]? dy = null;
        string ySource = "";
        bool normY = false;
        if (y is not null)
        {
            dy = Direction(r, o.DirY, o.TowardY, theta, network.Layout, 2, out ySource, out normY);
            if (r.GetValue(o.Orthogonalize)) Directions.Orthogonalize<T>(dy, dx);
        }
        if (normX) Directions.Normalize<T>(dx, theta, network.Layout, norm, ignoreBias);
        if (dy is not null && normY) Directions.Normalize<T>(dy, theta, network.Layout, norm, ignoreBias);

        // What the cells are computed from, by content: a file holding these is resumed, wherever its inputs now lie.
        var settings = new Dictionary<string, string>
        {
            ["model"] = network.Describe(),
            ["weights_sha256"] = ContentHash.Of<T>(theta),
            ["data"] = data.Name,
            ["data_sha256"] = data.ContentHash,
            ["split"] = r.GetValue(c.Split)!,
            ["n"] = data.Count.ToString(CultureInfo.InvariantCulture),
            ["loss"] = r.GetValue(c.Loss)!,
            ["l2"] = SurfaceFile.Format(r.GetValue(c.L2)),
            ["dtype"] = typeof(T) == typeof(float) ? "float32" : "float64",
            ["norm"] = norm.ToString().ToLowerInvariant(),
            ["ignore"] = ignoreBias ? "bias" : "none",
            ["orthogonalize"] = r.GetValue(o.Orthogonalize) ? "true" : "false",
            ["dir_x"] = xSource,
            ["dir_x_sha256"] = ContentHash.Of<T>(dx),
            ["dir_y"] = ySource,
            ["dir_y_sha256"] = dy is null ? "" : ContentHash.Of<T>(dy),
            ["seed"] = r.GetValue(o.Seed).ToString(CultureInfo.InvariantCulture),
            ["basin_version"] = typeof(Surface).Assembly.GetName().Version?.ToString(3) ?? "",
        };
        if (testData is not null)
        {
            settings["test_n"] = testData.Count.ToString(CultureInfo.InvariantCulture);
            settings["test_data_sha256"] = testData.ContentHash;
        }
        var surface = new Surface(x, y, test, settings);
        bool resumed = false;
        if (File.Exists(outPath) && !r.GetValue(o.Force))
        {
            surface = Resumable(SurfaceFile.Read(outPath), surface, outPath);
            resumed = true;
        }
        string stem = outPath.EndsWith(".h5", StringComparison.OrdinalIgnoreCase) ? outPath[..^3] : outPath;
        SafeTensors.Write<T>(stem + ".dir_x.safetensors", network.Layout, dx);
        if (dy is not null) SafeTensors.Write<T>(stem + ".dir_y.safetensors", network.Layout, dy);

        int batch = r.GetValue(c.Batch), threads = r.GetValue(c.Threads);
        var train = new EmpiricalRisk<T>(network, data, r.GetValue(c.Loss)!, r.GetValue(c.L2), batch, threads);
        var testObjective = testData is null ? null : new EmpiricalRisk<T>(network, testData, r.GetValue(c.Loss)!, r.GetValue(c.L2), batch, threads);
        int? chunk = r.GetValue(o.Chunk);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            Progress.Run(stderr, "surface", surface.Cells, surface.Completed, report =>
                SurfaceComputation.Complete(surface, train, testObjective, theta, dx, dy, chunk, r.GetValue(o.FlushSeconds), s => SurfaceFile.Write(outPath, s), report,
                    Interruption.Token));
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine($"stopped: {surface.Completed} of {surface.Cells} cells are saved in {outPath}; the same command continues it");
            throw;
        }
        clock.Stop();
        var written = new List<string> { outPath, stem + ".dir_x.safetensors" };
        if (dy is not null) written.Add(stem + ".dir_y.safetensors");
        if (!r.GetValue(o.NoPlots))
        {
            Basin.Reports.Plots.SurfacePlots.Save(surface, stem, r.GetValue(o.Log));
            written.AddRange([stem + ".png", stem + ".svg"]);
            if (y is not null)
            {
                Basin.Reports.Plots.SurfaceHtml.Write(surface, stem + ".html", $"{network.Describe()} on {data.Name}: training loss");
                written.Add(stem + ".html");
            }
        }

        if (r.GetValue(c.Json)) stdout.WriteLine(Json(surface).ToJsonString());
        else Summary(stdout, surface, written, clock.Elapsed.TotalSeconds, resumed);
        return Cli.Ok;
    }

    /// <summary>The surface stored in the output file, if it is the one asked for (same grid, test split and settings).</summary>
    static Surface Resumable(Surface stored, Surface asked, string path)
    {
        const string hint = "pass --force to replace it, or choose another --out";
        if (stored.X != asked.X || stored.Y != asked.Y)
            throw new BasinException(path, $"holds a different surface (grid {Grid(stored)} in the file, {Grid(asked)} asked)", hint);
        if (stored.HasTest != asked.HasTest)
            throw new BasinException(path, $"holds a different surface (test split {(stored.HasTest ? "in the file, not asked" : "asked, not in the file")})", hint);
        foreach (var (key, value) in asked.Settings)
            if (stored.Settings.GetValueOrDefault(key) is var was && was != value)
                throw new BasinException(path, $"holds a different surface ({key} is '{was ?? "(none)"}' in the file, '{value}' now)", hint);
        return stored;
    }

    static string Grid(Surface s) => s.Y is null ? s.X.ToString() : $"{s.X} x {s.Y}";

    public static JsonObject Json(Surface s)
    {
        JsonNode Grid(double[] v) => s.Y is null
            ? new JsonArray(v.Select(Output.Number).ToArray())
            : new JsonArray(Enumerable.Range(0, s.X.Count).Select(i => (JsonNode)new JsonArray(v.Skip(i * s.Columns).Take(s.Columns).Select(Output.Number).ToArray())).ToArray());
        var json = new JsonObject { ["x"] = new JsonArray(s.X.Values().Select(v => (JsonNode)v).ToArray()) };
        if (s.Y is not null) json["y"] = new JsonArray(s.Y.Values().Select(v => (JsonNode)v).ToArray());
        json["loss"] = Grid(s.TrainLoss);
        json["accuracy"] = Grid(s.TrainAccuracy);
        if (s.HasTest)
        {
            json["test_loss"] = Grid(s.TestLoss!);
            json["test_accuracy"] = Grid(s.TestAccuracy!);
        }
        return json;
    }

    static void Summary(TextWriter stdout, Surface s, IReadOnlyList<string> written, double seconds, bool resumed)
    {
        var console = Output.Console(stdout);
        int nan = s.TrainLoss.Count(v => !double.IsFinite(v));
        int best = -1;
        for (int i = 0; i < s.Cells; i++)
            if (double.IsFinite(s.TrainLoss[i]) && (best < 0 || s.TrainLoss[i] < s.TrainLoss[best])) best = i;
        var finite = s.TrainLoss.Where(double.IsFinite).ToArray();
        var table = new Table().AddColumn("").AddColumn(new TableColumn("train loss").RightAligned()).AddColumn(new TableColumn("train accuracy").RightAligned()).AddColumn("at");
        if (s.Center is int center)
            table.AddRow("centre", $"{s.TrainLoss[center]:G6}", Percent(s.TrainAccuracy[center]), At(s, center));
        if (best >= 0) table.AddRow("minimum", $"{s.TrainLoss[best]:G6}", Percent(s.TrainAccuracy[best]), At(s, best));
        if (finite.Length > 0) table.AddRow("maximum", $"{finite.Max():G6}", "", "");
        table.AddRow("non-finite cells", nan.ToString(CultureInfo.InvariantCulture), "", nan > 0 ? "stored as NaN/inf" : "");
        console.WriteLine($"{(s.Y is null ? "1D" : "2D")} surface, {s.X.Count}{(s.Y is null ? "" : $" x {s.Y.Count}")} cells{(resumed ? " (resumed)" : "")}, {seconds:F2} s");
        console.Write(table);
        console.WriteLine("wrote " + string.Join(", ", written));
    }

    static string At(Surface s, int cell)
    {
        var (a, b) = s.Coordinates(cell);
        return s.Y is null ? $"x = {a:G4}" : $"(x, y) = ({a:G4}, {b:G4})";
    }

    static string Percent(double x) => double.IsNaN(x) ? "n/a" : $"{100 * x:F2} %";
}
