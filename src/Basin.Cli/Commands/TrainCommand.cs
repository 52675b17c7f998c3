namespace Basin.Cli.Commands;

/// <summary>
/// <c>basin train</c>: trains a model into a run directory, or resumes one with its settings (the rules are
/// <see cref="TrainingRun.Resume"/>'s: an option that defines the run may not change, one that only says when to stop or
/// save may, and <c>--allow-change</c> allows a change of the optimizer's hyperparameters, recorded in the run's history).
/// </summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string?>("--model") { Description = "model spec or preset (e.g. mlp:784-100-10)" };
        var data = new Option<string>("--data") { Description = "data set (see basin eval --help)", DefaultValueFactory = _ => DataCatalog.Embedded };
        var dataDir = new Option<string?>("--data-dir") { Description = "folder with the data files" };
        var n = new Option<int?>("--n") { Description = "train on the first N examples" };
        var testN = new Option<int?>("--test-n") { Description = "evaluate on the first N test examples" };
        var noTest = new Option<bool>("--no-test") { Description = "do not evaluate the test split" };
        var normalize = new Option<string>("--normalize") { Description = "auto (CIFAR-10's per-channel mean and std, as loss-landscape) or none", DefaultValueFactory = _ => "auto" };
        var augment = new Option<bool>("--augment") { Description = "random crop with 4-pixel zero padding and horizontal flip of training images (seeded)" };
        var randomLabels = new Option<double>("--random-labels") { Description = "replace this fraction of training labels by random ones (seeded)" };
        var loss = new Option<string>("--loss") { Description = "ce or mse", DefaultValueFactory = _ => "ce" };
        var l2 = new Option<double>("--l2") { Description = "adds lambda/2 ||theta||^2 to the loss" };
        var dtype = new Option<string>("--dtype") { Description = "float32 or float64", DefaultValueFactory = _ => "float32" };
        var threads = new Option<int>("--threads") { Description = "worker threads (results do not depend on it)" };
        var cluster = new ClusterOption();
        var device = new DeviceOption(cluster);
        var seed = new Option<ulong>("--seed") { Description = "seed of the initialization and the shuffling" };
        var batch = new Option<int>("--batch") { Description = "minibatch size", DefaultValueFactory = _ => 128 };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, gd (full batch) or adam", DefaultValueFactory = _ => "sgd" };
        var lr = new Option<double>("--lr") { Description = "learning rate", DefaultValueFactory = _ => 0.1 };
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum" };
        var nesterov = new Option<bool>("--nesterov") { Description = "Nesterov momentum" };
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 weight decay added to the gradient (PyTorch style)" };
        var beta1 = new Option<double>("--beta1") { Description = "Adam beta1", DefaultValueFactory = _ => 0.9 };
        var beta2 = new Option<double>("--beta2") { Description = "Adam beta2", DefaultValueFactory = _ => 0.999 };
        var eps = new Option<double>("--eps") { Description = "Adam epsilon", DefaultValueFactory = _ => 1e-8 };
        var schedule = new Option<string>("--schedule") { Description = "constant, cosine, step:EPOCHS:GAMMA or step:E1,E2,...:GAMMA (milestones)", DefaultValueFactory = _ => "constant" };
        var warmup = new Option<int>("--warmup") { Description = "linear learning-rate warm-up over this many steps" };
        var epochs = new Option<int?>("--epochs") { Description = "stop after this many epochs" };
        var steps = new Option<long?>("--steps") { Description = "stop after this many updates" };
        var targetLoss = new Option<double?>("--target-loss") { Description = "stop once the training loss (checked at epoch ends and --log-every rows) is at most this" };
        var zeroError = new Option<bool>("--until-zero-error") { Description = "stop once every training example is classified correctly" };
        var saveEvery = new Option<int>("--save-every") { Description = "checkpoint every N epochs (0: only at the end)", DefaultValueFactory = _ => 1 };
        var saveEverySteps = new Option<int>("--save-every-steps") { Description = "also checkpoint every N steps" };
        var logEvery = new Option<int>("--log-every") { Description = "also log train/test metrics every N steps" };
        var init = new Option<string>("--init") { Description = Initialization.Choices, DefaultValueFactory = _ => "pytorch" };
        var noShuffle = new Option<bool>("--no-shuffle") { Description = "visit examples in file order every epoch" };
        var shard = new Option<int>("--shard") { Description = "examples per gradient shard (fixes the summation order)", DefaultValueFactory = _ => 64 };
        var outDir = new Option<string?>("--out") { Description = "run directory to create" };
        var force = new Option<bool>("--force") { Description = "replace an existing run directory" };
        var resume = new Option<string?>("--resume") { Description = "continue the run in this directory from its last checkpoint (with --epochs/--steps to extend it)" };
        var allowChange = new Option<bool>("--allow-change") { Description = "with --resume: continue with the optimizer settings given (--lr, --momentum, --schedule, ...) instead of the run's, recorded in its history.jsonl" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var command = new Command("train", "Train a model and record its trajectory in a run directory.");
        Option[] settings = [model, data, dataDir, n, testN, noTest, normalize, augment, randomLabels, loss, l2, dtype, seed, batch, optimizer, lr, momentum, nesterov,
            weightDecay, beta1, beta2, eps, schedule, warmup, epochs, steps, targetLoss, zeroError, saveEvery, saveEverySteps, logEvery, init, noShuffle, shard];
        foreach (var o in settings.Concat([threads, outDir, force, resume, allowChange, json])) command.Options.Add(o);
        cluster.AddTo(command);
        device.AddTo(command);
        command.SetAction(r =>
        {
            var requested = new RunConfig
            {
                Model = r.GetValue(model) ?? "", Data = r.GetValue(data)!, DataDir = r.GetValue(dataDir), N = r.GetValue(n), TestN = r.GetValue(testN),
                Test = !r.GetValue(noTest), Normalize = DataCatalog.ParseNormalize(r.GetValue(normalize)!), Augment = r.GetValue(augment), RandomLabels = r.GetValue(randomLabels), Loss = r.GetValue(loss)!.ToLowerInvariant(), L2 = r.GetValue(l2),
                DType = CommonOptions.IsDouble(r.GetValue(dtype)!) ? "float64" : "float32", Seed = r.GetValue(seed), Batch = r.GetValue(batch),
                Optimizer = r.GetValue(optimizer)!.ToLowerInvariant(), LearningRate = r.GetValue(lr), Momentum = r.GetValue(momentum),
                Nesterov = r.GetValue(nesterov), WeightDecay = r.GetValue(weightDecay), Beta1 = r.GetValue(beta1), Beta2 = r.GetValue(beta2),
                Eps = r.GetValue(eps), Schedule = r.GetValue(schedule)!, Warmup = r.GetValue(warmup), Epochs = r.GetValue(epochs), Steps = r.GetValue(steps),
                TargetLoss = r.GetValue(targetLoss), UntilZeroError = r.GetValue(zeroError), SaveEvery = r.GetValue(saveEvery),
                SaveEverySteps = r.GetValue(saveEverySteps), LogEvery = r.GetValue(logEvery), Init = r.GetValue(init)!, Shuffle = !r.GetValue(noShuffle),
                Shard = r.GetValue(shard),
            };
            if (r.GetValue(resume) is null) device.Trains(r, requested);
            TrainingRun run;
            if (r.GetValue(resume) is { } path)
            {
                if (r.GetValue(outDir) is not null) throw new BasinException("--out", "give either --resume RUN or --out DIR", "--resume continues a run in place");
                var given = settings.Where(o => r.GetResult(o) is { Implicit: false }).Select(o => o.Name[2..]).ToHashSet();
                run = TrainingRun.Resume(path, requested, given, r.GetValue(allowChange));
            }
            else
            {
                if (r.GetValue(allowChange)) throw new BasinException("--allow-change", "only applies with --resume");
                run = TrainingRun.Create(requested, r.GetValue(outDir) ?? throw new BasinException("--out", "missing", "name the run directory to create, e.g. --out runs/mlp"),
                    r.GetValue(force));
            }
            cluster.Train(r, run, stderr, () => device.Train(r, run, stderr, () => TrainRunner.Run(run, r.GetValue(threads), stdout, stderr, r.GetValue(json))));
            return Cli.Ok;
        });
        return command;
    }
}
