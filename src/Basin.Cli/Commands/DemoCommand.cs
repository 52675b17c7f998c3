using System.CommandLine;
using Basin.Data;
using Basin.Models;

namespace Basin.Cli.Commands;

/// <summary>
/// <c>basin demo</c>: the main job on the embedded Fashion-MNIST subset. Trains a small MLP with checkpoints into
/// ./basin-demo, evaluates it, draws the 2D loss surface around it, measures its curvature (top eigenvalues, trace,
/// spectral density), and says where everything is. Re-running resumes or reuses what is finished.
/// </summary>
internal static class DemoCommand
{
    public static RunConfig Config => new()
    {
        Model = "mlp:784-100-10",
        Data = DataCatalog.Embedded,
        Optimizer = "sgd",
        LearningRate = 0.05,
        Momentum = 0.9,
        Batch = 64,
        Epochs = 20,
        Seed = 0,
    };

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var outDir = new Option<string>("--out") { Description = "where to put the demo's files", DefaultValueFactory = _ => "basin-demo" };
        var force = new Option<bool>("--force") { Description = "start the demo over" };
        var threads = new Option<int>("--threads") { Description = "worker threads" };
        var command = new Command("demo", "Train a small MLP on the embedded Fashion-MNIST subset, evaluate it, draw its loss surface and measure its curvature (the main job).");
        foreach (var o in new Option[] { outDir, force, threads }) command.Options.Add(o);
        command.SetAction(r =>
        {
            OutputPath.RequireDirectory(r.GetValue(outDir)!, "--out");
            var run = new RunDirectory(Path.Combine(r.GetValue(outDir)!, "run"));
            var (config, train, test) = TrainRunner.Load(Config);
            bool resume = !r.GetValue(force) && run.StateFor(config) is RunState.Finished or RunState.Interrupted;
            stdout.WriteLine($"basin demo: {config.Model} on {config.Data} (2,000 train / 500 test Fashion-MNIST images), " +
                             $"SGD lr {config.LearningRate} momentum {config.Momentum}, batch {config.Batch}, {config.Epochs} epochs" +
                             (resume ? " (continuing the run already in " + run.Path + ")" : ""));
            TrainRunner.Run(config, train, test, run, resume, r.GetValue(threads),
                () => { if (!resume && Directory.Exists(run.Path)) Directory.Delete(run.Path, true); }, stdout, stderr, json: false);
            stdout.WriteLine();
            string surface = Path.Combine(r.GetValue(outDir)!, "surface.h5");
            stdout.WriteLine("the loss surface around the trained weights, along two filter-normalized random directions (Li et al. 2018):");
            // A surface is resumed only around the weights it was computed for: a run trained afresh replaces it.
            int code = Cli.Run(["surface", "--weights", run.Path, "--xrange", "-1:1:21", "--yrange", "-1:1:21", "--test", "--out", surface,
                "--threads", r.GetValue(threads).ToString(System.Globalization.CultureInfo.InvariantCulture), .. resume ? Array.Empty<string>() : ["--force"]], stdout, stderr);
            if (code != Cli.Ok) return code;
            stdout.WriteLine();
            string trajectory = Path.Combine(r.GetValue(outDir)!, "trajectory");
            stdout.WriteLine("the training trajectory on its PCA plane, over the loss surface of that plane (Li et al. 2018):");
            code = Cli.Run(["trajectory", run.Path, "--surface", "--out", trajectory], stdout, stderr);
            if (code != Cli.Ok) return code;
            stdout.WriteLine();
            string density = Path.Combine(r.GetValue(outDir)!, "hessian-density");
            stdout.WriteLine("the curvature at the trained weights: top Hessian eigenvalues (Lanczos), trace (Hutchinson), spectral density (SLQ):");
            code = Cli.Run(["hessian", "--weights", run.Path, "--top", "3", "--trace", "--probes", "100", "--trace-tol", "0.02",
                "--density", "--runs", "5", "--density-steps", "40", "--out", density,
                "--threads", r.GetValue(threads).ToString(System.Globalization.CultureInfo.InvariantCulture)], stdout, stderr);
            if (code != Cli.Ok) return code;
            stdout.WriteLine();
            string report = Basin.Reports.DirectoryReport.Write(r.GetValue(outDir)!);
            stdout.WriteLine($"report: {report} (everything below in one page that opens offline)");
            stdout.WriteLine($"open {Path.ChangeExtension(surface, ".html")} for the interactive 3D surface, {Path.ChangeExtension(surface, ".png")} for the contour map,");
            stdout.WriteLine($"{trajectory}.png for the trajectory, {density}.png for the Hessian spectral density");
            stdout.WriteLine($"next: basin eval --weights {run.Path} --split test   (--checkpoint STEP picks any saved step)");
            return Cli.Ok;
        });
        return command;
    }
}
