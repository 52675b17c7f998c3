using System.CommandLine;
using System.Globalization;
using Basin.Data;
using Basin.Landscape;
using Basin.Models;
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
        command.SetAction(r =>
        {
            var c = o.Common;
            var options = new SurfaceOptions
            {
                X = Axis.Parse(r.GetValue(o.XRange)!, "--xrange"),
                Y = r.GetValue(o.YRange) is { } yr ? Axis.Parse(yr, "--yrange") : null,
                Norm = Directions.ParseNormalization(r.GetValue(o.Norm)!),
                IgnoreBias = r.GetValue(o.Ignore)!.ToLowerInvariant() switch
                {
                    "bias" => true,
                    "none" => false,
                    var other => throw new BasinException("--ignore", $"unknown value '{other}'", "use bias or none"),
                },
                Orthogonalize = r.GetValue(o.Orthogonalize), Seed = r.GetValue(o.Seed),
                DirectionX = r.GetValue(o.DirX), DirectionY = r.GetValue(o.DirY), TowardX = r.GetValue(o.TowardX), TowardY = r.GetValue(o.TowardY),
                File = r.GetValue(o.Out)!, Force = r.GetValue(o.Force), FlushEvery = r.GetValue(o.Chunk), FlushSeconds = r.GetValue(o.FlushSeconds),
            };
            OutputPath.RequireFile(options.File, "--out");
            var data = c.LoadData(r);
            var test = r.GetValue(o.Test) ? DataCatalog.Load(r.GetValue(c.Data)!, "test", r.GetValue(c.DataDir), r.GetValue(o.TestN)) : null;
            return Run(c.Landscape(r, data), options with { Test = test }, !r.GetValue(o.NoPlots), r.GetValue(o.Log), r.GetValue(c.Json), stdout, stderr);
        });
        return command;
    }

    /// <summary>Computes (or resumes) the surface into its file, draws it unless told not to, and prints a summary or the JSON.</summary>
    public static int Run(LossLandscape landscape, SurfaceOptions options, bool plots, bool log, bool json, TextWriter stdout, TextWriter stderr)
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
        if (plots)
        {
            Basin.Reports.Plots.SurfacePlots.Save(surface, stem, log);
            written.AddRange([stem + ".png", stem + ".svg"]);
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
