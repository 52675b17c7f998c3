using System.CommandLine;
using System.Text.Json.Nodes;
using Basin.Data;
using Basin.Models;
using Basin.Training;

namespace Basin.Cli.Commands;

/// <summary>
/// <c>basin train</c>: trains a model into a run directory, or resumes one. A resumed run keeps its settings: an option
/// that differs from the stored one is an error, unless it only says when to stop or save (recorded in the run's
/// history) or <c>--allow-change</c> allows a change of the optimizer's hyperparameters (recorded too).
/// </summary>
internal static class TrainCommand
{
    /// <summary>How a setting may differ when a run is resumed.</summary>
    enum OnResume
    {
        /// <summary>Defines the run (model, data, seed, ...): a resumed run never changes it.</summary>
        Fixed,
        /// <summary>Changes how the remaining steps go: allowed with --allow-change, and recorded.</summary>
        WithFlag,
        /// <summary>Says where the data lie, or when to stop and save: allowed, and recorded.</summary>
        Free,
    }

    /// <summary>One option's effect on the run's configuration (Key: its name in model.json).</summary>
    sealed record Setting(Option Option, string Key, OnResume Rule, Func<ParseResult, RunConfig, RunConfig> Apply);

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string?>("--model") { Description = "model spec or preset (e.g. mlp:784-100-10)" };
        var data = new Option<string>("--data") { Description = "data set (see basin eval --help)", DefaultValueFactory = _ => DataCatalog.Embedded };
        var dataDir = new Option<string?>("--data-dir") { Description = "folder with the data files" };
        var n = new Option<int?>("--n") { Description = "train on the first N examples" };
        var testN = new Option<int?>("--test-n") { Description = "evaluate on the first N test examples" };
        var noTest = new Option<bool>("--no-test") { Description = "do not evaluate the test split" };
        var randomLabels = new Option<double>("--random-labels") { Description = "replace this fraction of training labels by random ones (seeded)" };
        var loss = new Option<string>("--loss") { Description = "ce or mse", DefaultValueFactory = _ => "ce" };
        var l2 = new Option<double>("--l2") { Description = "adds lambda/2 ||theta||^2 to the loss" };
        var dtype = new Option<string>("--dtype") { Description = "float32 or float64", DefaultValueFactory = _ => "float32" };
        var threads = new Option<int>("--threads") { Description = "worker threads (results do not depend on it)" };
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
        var schedule = new Option<string>("--schedule") { Description = "constant, cosine or step:EPOCHS:GAMMA", DefaultValueFactory = _ => "constant" };
        var warmup = new Option<int>("--warmup") { Description = "linear learning-rate warm-up over this many steps" };
        var epochs = new Option<int?>("--epochs") { Description = "stop after this many epochs" };
        var steps = new Option<long?>("--steps") { Description = "stop after this many updates" };
        var targetLoss = new Option<double?>("--target-loss") { Description = "stop once the training loss is at most this" };
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
        Setting[] settings =
        [
            new(model, "model", OnResume.Fixed, (r, c) => r.GetValue(model) is { } m ? c with { Model = m } : c),
            new(data, "data", OnResume.Fixed, (r, c) => c with { Data = r.GetValue(data)! }),
            new(dataDir, "data_dir", OnResume.Free, (r, c) => c with { DataDir = r.GetValue(dataDir) }),
            new(n, "n", OnResume.Fixed, (r, c) => c with { N = r.GetValue(n) }),
            new(testN, "test_n", OnResume.Fixed, (r, c) => c with { TestN = r.GetValue(testN) }),
            new(noTest, "test", OnResume.Fixed, (r, c) => c with { Test = !r.GetValue(noTest) }),
            new(randomLabels, "random_labels", OnResume.Fixed, (r, c) => c with { RandomLabels = r.GetValue(randomLabels) }),
            new(loss, "loss", OnResume.Fixed, (r, c) => c with { Loss = r.GetValue(loss)!.ToLowerInvariant() }),
            new(l2, "l2", OnResume.WithFlag, (r, c) => c with { L2 = r.GetValue(l2) }),
            new(dtype, "dtype", OnResume.Fixed, (r, c) => c with { DType = CommonOptions.IsDouble(r.GetValue(dtype)!) ? "float64" : "float32" }),
            new(seed, "seed", OnResume.Fixed, (r, c) => c with { Seed = r.GetValue(seed) }),
            new(batch, "batch", OnResume.Fixed, (r, c) => c with { Batch = r.GetValue(batch) }),
            new(optimizer, "optimizer", OnResume.Fixed, (r, c) => c with { Optimizer = r.GetValue(optimizer)!.ToLowerInvariant() }),
            new(lr, "learning_rate", OnResume.WithFlag, (r, c) => c with { LearningRate = r.GetValue(lr) }),
            new(momentum, "momentum", OnResume.WithFlag, (r, c) => c with { Momentum = r.GetValue(momentum) }),
            new(nesterov, "nesterov", OnResume.WithFlag, (r, c) => c with { Nesterov = r.GetValue(nesterov) }),
            new(weightDecay, "weight_decay", OnResume.WithFlag, (r, c) => c with { WeightDecay = r.GetValue(weightDecay) }),
            new(beta1, "beta1", OnResume.WithFlag, (r, c) => c with { Beta1 = r.GetValue(beta1) }),
            new(beta2, "beta2", OnResume.WithFlag, (r, c) => c with { Beta2 = r.GetValue(beta2) }),
            new(eps, "eps", OnResume.WithFlag, (r, c) => c with { Eps = r.GetValue(eps) }),
            new(schedule, "schedule", OnResume.WithFlag, (r, c) => c with { Schedule = r.GetValue(schedule)! }),
            new(warmup, "warmup", OnResume.WithFlag, (r, c) => c with { Warmup = r.GetValue(warmup) }),
            new(epochs, "epochs", OnResume.Free, (r, c) => c with { Epochs = r.GetValue(epochs) }),
            new(steps, "steps", OnResume.Free, (r, c) => c with { Steps = r.GetValue(steps) }),
            new(targetLoss, "target_loss", OnResume.Free, (r, c) => c with { TargetLoss = r.GetValue(targetLoss) }),
            new(zeroError, "until_zero_error", OnResume.Free, (r, c) => c with { UntilZeroError = r.GetValue(zeroError) }),
            new(saveEvery, "save_every", OnResume.Free, (r, c) => c with { SaveEvery = r.GetValue(saveEvery) }),
            new(saveEverySteps, "save_every_steps", OnResume.Free, (r, c) => c with { SaveEverySteps = r.GetValue(saveEverySteps) }),
            new(logEvery, "log_every", OnResume.Free, (r, c) => c with { LogEvery = r.GetValue(logEvery) }),
            new(init, "init", OnResume.Fixed, (r, c) => c with { Init = r.GetValue(init)! }),
            new(noShuffle, "shuffle", OnResume.Fixed, (r, c) => c with { Shuffle = !r.GetValue(noShuffle) }),
            new(shard, "shard", OnResume.Fixed, (r, c) => c with { Shard = r.GetValue(shard) }),
        ];
        var command = new Command("train", "Train a model and record its trajectory in a run directory.");
        foreach (var o in settings.Select(s => s.Option).Concat([threads, outDir, force, resume, allowChange, json]))
            command.Options.Add(o);
        command.SetAction(r =>
        {
            if (r.GetValue(resume) is { } path)
            {
                if (r.GetValue(outDir) is not null) throw new BasinException("--out", "give either --resume RUN or --out DIR", "--resume continues a run in place");
                Resume(new RunDirectory(path), settings, r, r.GetValue(allowChange), r.GetValue(threads), stdout, stderr, r.GetValue(json));
                return Cli.Ok;
            }
            if (r.GetValue(allowChange)) throw new BasinException("--allow-change", "only applies with --resume");
            var run = new RunDirectory(r.GetValue(outDir) ?? throw new BasinException("--out", "missing", "name the run directory to create, e.g. --out runs/mlp"));
            bool replace = r.GetValue(force);
            CheckTarget(run, replace);
            if (r.GetValue(model) is null) throw new BasinException("--model", "missing", "give the model spec, e.g. --model mlp:784-100-10");
            var requested = settings.Aggregate(new RunConfig(), (c, s) => s.Apply(r, c));
            requested.Validate();
            var (config, train, test) = TrainRunner.Load(requested);
            TrainRunner.Run(config, train, test, run, resume: false, r.GetValue(threads), () => Prepare(run, replace), stdout, stderr, r.GetValue(json));
            return Cli.Ok;
        });
        return command;
    }

    /// <summary>
    /// Continues a run with its stored settings: the options given are compared with them first, then the data with the
    /// bytes the run was trained on; what is allowed to change is written to model.json and history.jsonl only once every
    /// check has passed.
    /// </summary>
    static void Resume(RunDirectory run, Setting[] settings, ParseResult r, bool allowChange, int threads, TextWriter stdout, TextWriter stderr, bool json)
    {
        if (!RunDirectory.IsRun(run.Path))
            throw new BasinException(run.Path, "is not a run directory (no model.json)", "start a run with basin train --out DIR");
        var stored = run.ReadConfig();
        var config = stored;
        var before = JsonNode.Parse(stored.ToJson())!.AsObject();
        var changes = new List<(string Key, JsonNode? From, JsonNode? To)>();
        foreach (var s in settings)
        {
            if (r.GetResult(s.Option) is not { Implicit: false }) continue;
            var changed = s.Apply(r, config);
            if (changed == config) continue;
            var (from, to) = (before[s.Key], JsonNode.Parse(changed.ToJson())![s.Key]);
            string both = $"the run in {run.Path} was trained with {s.Key} {Text(from)}, not {Text(to)}";
            if (s.Rule == OnResume.Fixed)
                throw new BasinException(s.Option.Name, both, $"a run keeps its {s.Key}; resume without {s.Option.Name}, or train a new run with --out");
            if (s.Rule == OnResume.WithFlag && !allowChange)
                throw new BasinException(s.Option.Name, both,
                    $"resume without {s.Option.Name} to keep {Text(from)}, or add --allow-change to continue with {Text(to)} (recorded in {Path.Combine(run.Path, RunDirectory.HistoryFile)})");
            config = changed;
            changes.Add((s.Key, from?.DeepClone(), to?.DeepClone()));
        }
        config.Validate();
        var (keyed, train, test) = TrainRunner.Load(config);
        RequireSame("--data", "training data", stored.DataSha256, keyed.DataSha256, run);
        RequireSame("--data", "test data", stored.TestDataSha256, keyed.TestDataSha256, run);
        var resumable = run.ResumableSteps();
        // The initialization matters only to a run with no checkpoint to resume from.
        if (resumable.Count == 0) RequireSame("--init", "initialization file", stored.InitSha256, keyed.InitSha256, run);
        else keyed = keyed with { InitSha256 = stored.InitSha256 };
        long step = resumable.Count > 0 ? resumable[^1] : 0;
        TrainRunner.Run(keyed, train, test, run, resume: true, threads, () => run.AppendHistory(step, changes), stdout, stderr, json);
    }

    static string Text(JsonNode? value) => value?.ToJsonString() ?? "null";

    /// <summary>Refuses to resume on inputs whose bytes differ from those the run was trained on (a run of Basin 0.1 recorded none).</summary>
    static void RequireSame(string option, string what, string? stored, string? now, RunDirectory run)
    {
        if (stored is null || now is null || stored == now) return;
        throw new BasinException(option, $"the {what} found now differs from what {run.Path} was trained on (sha256 {stored[..12]}... then, {now[..12]}... now)",
            "point --data-dir (or --init) at the original files, or train a new run with --out");
    }

    /// <summary>Checks a new run's directory before anything is computed: it must be writable, and empty unless replaced.</summary>
    static void CheckTarget(RunDirectory run, bool force)
    {
        OutputPath.RequireDirectory(run.Path, "--out");
        if (!Directory.Exists(run.Path)) return;
        AtomicFile.RemoveStale(run.Path);
        if (!Directory.EnumerateFileSystemEntries(run.Path).Any()) return;
        if (!force)
            throw new BasinException(run.Path, "already exists and is not empty",
                RunDirectory.IsRun(run.Path) ? $"continue it with --resume {run.Path}, or replace it with --force" : "pass --force to replace it");
        if (!RunDirectory.IsRun(run.Path))
            throw new BasinException(run.Path, "is not a run directory; refusing to delete it even with --force", "choose another --out");
    }

    /// <summary>A new run directory, once every check has passed: an existing run is deleted only now.</summary>
    static void Prepare(RunDirectory run, bool force)
    {
        CheckTarget(run, force);
        if (Directory.Exists(run.Path)) Directory.Delete(run.Path, true);
        Directory.CreateDirectory(run.Path);
    }
}
