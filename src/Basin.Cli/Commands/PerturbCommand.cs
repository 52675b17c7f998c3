using Basin.Connectivity;

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
        var device = new DeviceOption();
        var command = new Command("perturb", "Perturb a minimum by Gaussian noise and retrain (Liao and Poggio's Theory II).");
        command.Arguments.Add(runArg);
        foreach (var o in new Option[] { scale, seeds, epochs, optimizer, lr, outDir, threads, json }) command.Options.Add(o);
        device.AddTo(command);
        command.SetAction(r =>
        {
            Action<RunConfig, DataSet, Action<Basin.Objective.IRemoteRisk>>? gpu = device.Cuda(r)
                ? (config, train, body) =>
                {
                    device.Trains(r, config);
                    DeviceOption.TrainingPasses(config, train, stderr, body);
                }
                : null;
            var study = Progress.Status(stderr, "retraining from the perturbations...", () => PerturbStudy.Run(r.GetValue(runArg)!, r.GetValue(scale), r.GetValue(seeds),
                r.GetValue(epochs), r.GetValue(optimizer)!, r.GetValue(lr), r.GetValue(outDir), r.GetValue(threads), gpu));
            Basin.Reports.Plots.TrajectoryPlot.SaveCurves(study.Runs.Select(x => ($"seed {x.Seed}", x.Rows.Select(row => 100 * (1 - row.TrainAccuracy)).ToArray())).ToList(),
                Path.Combine(study.Root, "train-error"), "Training error after the perturbation", "epoch", "training error (%)",
                study.Runs.All(x => x.Rows.Count == study.Runs[0].Rows.Count) ? study.Runs[0].Rows.Select(row => (double)row.Epoch).ToArray() : null);
            if (r.GetValue(json)) { stdout.WriteLine(study.ToJson().ToJsonString()); return Cli.Ok; }
            var console = Output.Console(stdout);
            console.WriteLine($"noise N(0, sigma^2), sigma = {study.Scale:G3} x mean|w| = {study.Sigma:G4}; retrained {study.Epochs} epochs by {study.Optimizer}");
            var errors = new Table().AddColumn("seed").AddColumn(new TableColumn("train error: start").RightAligned()).AddColumn(new TableColumn("max").RightAligned()).AddColumn(new TableColumn("end").RightAligned());
            foreach (var (seed, rows) in study.Runs)
                errors.AddRow($"{seed}", $"{100 * (1 - rows[0].TrainAccuracy):F2} %", $"{100 * rows.Max(x => 1 - x.TrainAccuracy):F2} %", $"{100 * (1 - rows[^1].TrainAccuracy):F2} %");
            console.Write(errors);
            var pairs = new Table().AddColumn("pair").AddColumn(new TableColumn("distance").RightAligned()).AddColumn(new TableColumn("straight-line barrier").RightAligned());
            var names = study.Names;
            for (int i = 0; i < names.Length; i++) for (int j = 0; j < i; j++) pairs.AddRow($"{names[j]} - {names[i]}", $"{study.Distance[i, j]:G4}", $"{study.Barrier[i, j]:G4}");
            console.Write(pairs);
            console.WriteLine($"retrained runs in {study.Root}; training error curves in {Path.Combine(study.Root, "train-error.png")}");
            return Cli.Ok;
        });
        return command;
    }
}
