using System.Numerics;
using System.Text.Json.Nodes;
using Basin.Data;
using Basin.Models;

namespace Basin.Training;

/// <summary>
/// A run directory about to be trained: a new run, a stored run resumed with its settings, or a run reused when it was
/// made with the same settings and inputs. Every check (settings, data, model, optimizer, memory, the starting weights)
/// runs before the directory is touched; <see cref="Run"/> trains in the run's dtype.
/// </summary>
public sealed class TrainingRun
{
    /// <summary>How a setting may differ when a run is resumed.</summary>
    enum OnResume
    {
        /// <summary>Defines the run (model, data, seed, ...): a resumed run never changes it.</summary>
        Fixed,
        /// <summary>Changes how the remaining steps go: allowed with allow-change, and recorded.</summary>
        WithFlag,
        /// <summary>Says where the data lie, or when to stop and save: allowed, and recorded.</summary>
        Free,
    }

    /// <summary>Each setting's key in model.json, the parameter that sets it, and whether a resume may change it.</summary>
    static readonly (string Key, string Parameter, OnResume Rule)[] Settings =
    [
        ("model", "model", OnResume.Fixed), ("data", "data", OnResume.Fixed), ("data_dir", "data-dir", OnResume.Free),
        ("n", "n", OnResume.Fixed), ("test_n", "test-n", OnResume.Fixed), ("test", "no-test", OnResume.Fixed),
        ("random_labels", "random-labels", OnResume.Fixed), ("loss", "loss", OnResume.Fixed), ("l2", "l2", OnResume.WithFlag),
        ("dtype", "dtype", OnResume.Fixed), ("seed", "seed", OnResume.Fixed), ("batch", "batch", OnResume.Fixed),
        ("optimizer", "optimizer", OnResume.Fixed), ("learning_rate", "lr", OnResume.WithFlag), ("momentum", "momentum", OnResume.WithFlag),
        ("nesterov", "nesterov", OnResume.WithFlag), ("weight_decay", "weight-decay", OnResume.WithFlag), ("beta1", "beta1", OnResume.WithFlag),
        ("beta2", "beta2", OnResume.WithFlag), ("eps", "eps", OnResume.WithFlag), ("schedule", "schedule", OnResume.WithFlag),
        ("warmup", "warmup", OnResume.WithFlag), ("epochs", "epochs", OnResume.Free), ("steps", "steps", OnResume.Free),
        ("target_loss", "target-loss", OnResume.Free), ("until_zero_error", "until-zero-error", OnResume.Free),
        ("save_every", "save-every", OnResume.Free), ("save_every_steps", "save-every-steps", OnResume.Free),
        ("log_every", "log-every", OnResume.Free), ("init", "init", OnResume.Fixed), ("shuffle", "no-shuffle", OnResume.Fixed),
        ("shard", "shard", OnResume.Fixed),
    ];

    readonly Action prepare;

    /// <summary>The run's settings, keyed by its inputs' contents (<see cref="RunConfig.WithInputs"/>).</summary>
    public RunConfig Config { get; }
    public DataSet Train { get; }
    public DataSet? Test { get; }
    public RunDirectory Directory { get; }
    /// <summary>What the directory held for these settings before training.</summary>
    public RunState State { get; }
    /// <summary>Whether training continues from the run's last checkpoint rather than from the initialization.</summary>
    public bool Resumes => State is RunState.Finished or RunState.Interrupted;

    TrainingRun(RunConfig config, DataSet train, DataSet? test, RunDirectory directory, RunState state, Action prepare)
    {
        (Config, Train, Test, Directory, State, this.prepare) = (config, train, test, directory, state, prepare);
    }

    /// <summary>The data a run trains and tests on, as its settings name them.</summary>
    public static (DataSet Train, DataSet? Test) LoadData(RunConfig c)
    {
        var train = DataCatalog.Load(c.Data, "train", c.DataDir, c.N, c.Normalize);
        if (c.RandomLabels > 0) train = train.WithRandomLabels(c.RandomLabels, c.Seed);
        var test = c.Test ? DataCatalog.Load(c.Data, "test", c.DataDir, c.TestN ?? (Synthetic.Names.Contains(Synthetic.SplitName(c.Data).Kind) ? c.N : null), c.Normalize) : null;
        return (train, test);
    }

    /// <summary>A new run in <paramref name="path"/>, which must be empty, or a run that <paramref name="replace"/> allows deleting.</summary>
    public static TrainingRun Create(RunConfig config, string path, bool replace)
    {
        var run = new RunDirectory(path);
        CheckTarget(run, replace);
        if (config.Model == "") throw new BasinException("{model}", "missing", "give the model spec, e.g. {model} mlp:784-100-10");
        config.Validate();
        var (train, test) = LoadData(config);
        return new TrainingRun(config.WithInputs(train, test), train, test, run, RunState.Missing, () =>
        {
            CheckTarget(run, replace);
            if (System.IO.Directory.Exists(run.Path)) System.IO.Directory.Delete(run.Path, true);
            System.IO.Directory.CreateDirectory(run.Path);
        });
    }

    /// <summary>
    /// The run in <paramref name="path"/> resumed from its last checkpoint with its stored settings. Of
    /// <paramref name="given"/>, only the settings named in <paramref name="givenParameters"/> are compared with the stored
    /// ones: a setting that defines the run may not change, one that changes how the remaining steps go only with
    /// <paramref name="allowChange"/>; the data must have the bytes the run was trained on. What changes is written to
    /// model.json and history.jsonl when training starts.
    /// </summary>
    public static TrainingRun Resume(string path, RunConfig given, IReadOnlyCollection<string> givenParameters, bool allowChange)
    {
        var run = new RunDirectory(path);
        if (!RunDirectory.IsRun(run.Path))
            throw new BasinException(run.Path, "is not a run directory (no model.json)", "start a run with basin train {out} DIR");
        var stored = run.ReadConfig();
        var before = JsonNode.Parse(stored.ToJson())!.AsObject();
        var requested = JsonNode.Parse(given.ToJson())!.AsObject();
        var now = before.DeepClone().AsObject();
        var changes = new List<(string Key, JsonNode? From, JsonNode? To)>();
        foreach (var (key, parameter, rule) in Settings)
        {
            if (!givenParameters.Contains(parameter)) continue;
            var (from, to) = (before[key], requested[key]);
            if (JsonNode.DeepEquals(from, to)) continue;
            string both = $"the run in {run.Path} was trained with {key} {Text(from)}, not {Text(to)}";
            if (rule == OnResume.Fixed)
                throw new BasinException($"{{{parameter}}}", both, $"a run keeps its {key}; resume without {{{parameter}}}, or train a new run with {{out}}");
            if (rule == OnResume.WithFlag && !allowChange)
                throw new BasinException($"{{{parameter}}}", both,
                    $"resume without {{{parameter}}} to keep {Text(from)}, or add {{allow-change}} to continue with {Text(to)} (recorded in {Path.Combine(run.Path, RunDirectory.HistoryFile)})");
            now[key] = to?.DeepClone();
            changes.Add((key, from?.DeepClone(), to?.DeepClone()));
        }
        var config = RunConfig.FromJson(now.ToJsonString(), run.ConfigPath);
        config.Validate();
        var (train, test) = LoadData(config);
        var keyed = config.WithInputs(train, test);
        RequireSame("training data", stored.DataSha256, keyed.DataSha256, run);
        RequireSame("test data", stored.TestDataSha256, keyed.TestDataSha256, run);
        var resumable = run.ResumableSteps();
        // The initialization matters only to a run with no checkpoint to resume from.
        if (resumable.Count == 0) RequireSame("initialization file", stored.InitSha256, keyed.InitSha256, run);
        else keyed = keyed with { InitSha256 = stored.InitSha256 };
        long step = resumable.Count > 0 ? resumable[^1] : 0;
        return new TrainingRun(keyed, train, test, run, RunState.Interrupted, () => run.AppendHistory(step, changes));
    }

    /// <summary>
    /// The run in <paramref name="path"/> for these settings and data: continued when it holds a run with the same settings and
    /// inputs (finished or not), otherwise (or with <paramref name="restart"/>) trained from the start in its place.
    /// </summary>
    public static TrainingRun Reuse(RunConfig config, DataSet train, DataSet? test, string path, bool restart = false)
    {
        var run = new RunDirectory(path);
        config = config.WithInputs(train, test);
        var state = restart ? RunState.Different : run.StateFor(config);
        return new TrainingRun(config, train, test, run, state, () =>
        {
            if (state is not (RunState.Finished or RunState.Interrupted) && System.IO.Directory.Exists(run.Path)) System.IO.Directory.Delete(run.Path, true);
        });
    }

    /// <summary>
    /// The run trained as configured, doing only what is missing: a finished run with these settings and inputs is reused,
    /// an interrupted one resumes, anything else is trained again from the start. Experiments build on this to be
    /// resumable run by run.
    /// </summary>
    internal static RunDirectory Ensure<T>(RunConfig config, DataSet train, DataSet? test, string path, int threads, Objective.IRemoteRisk? remote = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var run = Reuse(config, train, test, path);
        run.Remote = remote;
        if (run.State == RunState.Finished) run.Directory.RemoveStaleTemporaries();
        else run.Run<T>(threads, null, default);
        return run.Directory;
    }

    /// <summary>Workers that compute full-batch gradient descent's gradients (a cluster), instead of this process.</summary>
    internal Objective.IRemoteRisk? Remote { get; set; }

    /// <summary>Trains (in float64 when the run's dtype says so), reporting every update to <paramref name="progress"/>.</summary>
    public TrainResult Run(int threads = 0, Action<TrainProgress>? progress = null, CancellationToken cancel = default) =>
        Config.DType == "float64" ? Run<double>(threads, progress, cancel) : Run<float>(threads, progress, cancel);

    TrainResult Run<T>(int threads, Action<TrainProgress>? progress, CancellationToken cancel) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var trainer = new Trainer<T>(Config, Train, Test, Directory, threads, Remote);
        var start = trainer.Begin(Resumes);
        prepare();
        return trainer.Run(start, progress, cancel);
    }

    static string Text(JsonNode? value) => value?.ToJsonString() ?? "null";

    /// <summary>Refuses to resume on inputs whose bytes differ from those the run was trained on (a run of Basin 0.1 recorded none).</summary>
    static void RequireSame(string what, string? stored, string? now, RunDirectory run)
    {
        if (stored is null || now is null || stored == now) return;
        throw new BasinException(what == "initialization file" ? "{init}" : "{data}",
            $"the {what} found now differs from what {run.Path} was trained on (sha256 {stored[..12]}... then, {now[..12]}... now)",
            "point {data-dir} (or {init}) at the original files, or train a new run with {out}");
    }

    /// <summary>Checks a new run's directory before anything is computed: it must be writable, and empty unless replaced.</summary>
    static void CheckTarget(RunDirectory run, bool replace)
    {
        OutputPath.RequireDirectory(run.Path, "{out}");
        if (!System.IO.Directory.Exists(run.Path)) return;
        AtomicFile.RemoveStale(run.Path);
        if (!System.IO.Directory.EnumerateFileSystemEntries(run.Path).Any()) return;
        if (!replace)
            throw new BasinException(run.Path, "already exists and is not empty",
                RunDirectory.IsRun(run.Path) ? $"continue it with {{resume}} {run.Path}, or replace it with {{force}}" : "pass {force} to replace it");
        if (!RunDirectory.IsRun(run.Path))
            throw new BasinException(run.Path, "is not a run directory; refusing to delete it even with {force}", "choose another {out}");
    }
}
