using Basin.Trajectories;

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
        Model = "mlp:784-100-10", Data = DataCatalog.Embedded, Optimizer = "sgd", LearningRate = 0.05, Momentum = 0.9, Batch = 64, Epochs = 20, Seed = 0,
    };

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var outDir = new Option<string>("--out") { Description = "where to put the demo's files", DefaultValueFactory = _ => "basin-demo" };
        var force = new Option<bool>("--force") { Description = "start the demo over" };
        var threads = new Option<int>("--threads") { Description = "worker threads" };
        var device = new DeviceOption();
        var command = new Command("demo", "Train a small MLP on the embedded Fashion-MNIST subset, evaluate it, draw its loss surface and measure its curvature (the main job).");
        foreach (var o in new Option[] { outDir, force, threads }) command.Options.Add(o);
        device.AddTo(command);
        command.SetAction(r => Run(r, device, r.GetValue(outDir)!, r.GetValue(force), r.GetValue(threads), stdout, stderr));
        return command;
    }

    static int Run(ParseResult r, DeviceOption device, string dir, bool force, int threads, TextWriter stdout, TextWriter stderr)
    {
        OutputPath.RequireDirectory(dir, "--out");
        device.Trains(r, Config);
        var (train, test) = TrainingRun.LoadData(Config);
        var run = TrainingRun.Reuse(Config, train, test, Path.Combine(dir, "run"), restart: force);
        var config = run.Config;
        stdout.WriteLine($"basin demo: {config.Model} on {config.Data} (2,000 train / 500 test Fashion-MNIST images), " +
                         $"SGD lr {config.LearningRate} momentum {config.Momentum}, batch {config.Batch}, {config.Epochs} epochs" +
                         (run.Resumes ? " (continuing the run already in " + run.Directory.Path + ")" : ""));
        device.Train(r, run, stderr, () => TrainRunner.Run(run, threads, stdout, stderr, json: false));
        stdout.WriteLine();
        string surface = Path.Combine(dir, "surface.h5");
        stdout.WriteLine("the loss surface around the trained weights, along two filter-normalized random directions (Li et al. 2018):");
        var minimum = LossLandscape.Load(run.Directory.Path, train, threads: threads);
        // A surface is resumed only around the weights it was computed for: a run trained afresh replaces it.
        device.Run(r, minimum, train, test, stderr, point => SurfaceCommand.Run(point,
            new SurfaceOptions { X = new Axis(-1, 1, 21), Y = new Axis(-1, 1, 21), Test = test, File = surface, Force = !run.Resumes },
            plots: true, log: false, json: false, stdout, stderr));
        stdout.WriteLine();
        string trajectory = Path.Combine(dir, "trajectory");
        stdout.WriteLine("the training trajectory on its PCA plane, over the loss surface of that plane (Li et al. 2018):");
        TrajectoryCommand.Run([run.Directory.Path], new TrajectoryOptions { SurfaceGrid = 21, Device = device.Plane(r, stderr) }, trajectory, json: false, stdout,
            stderr, h5: true);
        stdout.WriteLine();
        string density = Path.Combine(dir, "hessian-density");
        stdout.WriteLine("the curvature at the trained weights: top Hessian eigenvalues (Lanczos), trace (Hutchinson), spectral density (SLQ):");
        var curvature = new CurvatureOptions
        {
            Top = 3, Trace = true, Probes = 100, TraceTolerance = 0.02, Density = true, DensityOptions = new DensityOptions { Runs = 5, Steps = 40 }, Threads = threads,
        };
        device.Run(r, minimum, train, null, stderr, point =>
            Progress.Status(stderr, "computing curvature...", () => HessianCommand.Run(point, curvature, density, json: false, stdout)));
        stdout.WriteLine();
        string report = Basin.Reports.DirectoryReport.Write(dir);
        stdout.WriteLine($"report: {report} (everything below in one page that opens offline)");
        stdout.WriteLine($"open {Path.ChangeExtension(surface, ".html")} for the interactive 3D surface, {Path.ChangeExtension(surface, ".png")} for the contour map,");
        stdout.WriteLine($"{trajectory}.png for the trajectory, {density}.png for the Hessian spectral density");
        stdout.WriteLine($"next: basin eval --weights {run.Directory.Path} --split test   (--checkpoint STEP picks any saved step)");
        return Cli.Ok;
    }
}
