using System.Globalization;
using System.Text.RegularExpressions;
using Basin.Models;

namespace Basin.Training;

/// <summary>What a run directory holds for a given configuration.</summary>
public enum RunState { Missing, Different, Interrupted, Finished }

/// <summary>
/// A training run on disk (DESIGN.md): model.json, checkpoints/step-NNNNNNN.safetensors (with the optimizer
/// state beside each as step-NNNNNNN.optimizer.safetensors), final.safetensors, metrics.csv, and history.jsonl when a
/// resume changed a setting.
/// </summary>
public sealed partial class RunDirectory(string path)
{
    public string Path { get; } = path;
    public string ConfigPath => System.IO.Path.Combine(Path, "model.json");
    public string CheckpointsPath => System.IO.Path.Combine(Path, "checkpoints");
    public string FinalPath => System.IO.Path.Combine(Path, "final.safetensors");
    public string MetricsPath => System.IO.Path.Combine(Path, "metrics.csv");

    /// <summary>
    /// The model spec and weights file that <paramref name="weights"/> names: a safetensors file (its spec given), or a run
    /// directory (its spec unless given, and the weights of <paramref name="checkpoint"/>: final, latest or a step).
    /// </summary>
    public static (string Spec, string Path) Resolve(string weights, string? spec = null, string? checkpoint = null)
    {
        RequireWeights(weights);
        if (IsRun(weights))
        {
            var run = new RunDirectory(weights);
            return (spec ?? run.ReadConfig().Model, run.Weights(checkpoint));
        }
        if (Directory.Exists(weights))
            throw new BasinException(weights, "is a directory but not a run (no model.json)", "pass a .safetensors file or a directory made by basin train");
        if (checkpoint is not null)
            throw new BasinException("{checkpoint}", "only applies when {weights} is a run directory");
        return (spec ?? throw new BasinException("{model}", "missing", "give the model spec, e.g. {model} mlp:784-100-10"), weights);
    }

    /// <summary>
    /// The spec and weights files of two weights (files or run directories): a run directory on either side names the model
    /// for both unless a spec is given.
    /// </summary>
    public static (string Spec, string First, string Second) ResolvePair(string first, string second, string? spec = null)
    {
        spec ??= new[] { first, second }.Where(IsRun).Select(d => new RunDirectory(d).ReadConfig().Model).FirstOrDefault();
        var (resolved, a) = ResolveEither(first, spec);
        var (_, b) = ResolveEither(second, resolved);
        return (resolved, a, b);
    }

    static (string Spec, string Path) ResolveEither(string weights, string? spec)
    {
        RequireWeights(weights);
        if (IsRun(weights))
        {
            var run = new RunDirectory(weights);
            return (spec ?? run.ReadConfig().Model, run.Weights());
        }
        return (spec ?? throw new BasinException("{model}", "missing", $"{weights} is not a run directory; give the model spec with {{model}}"), weights);
    }

    /// <summary>Names a weights path that is neither a file nor a directory before anything asks for the model.</summary>
    public static void RequireWeights(string weights)
    {
        if (!File.Exists(weights) && !Directory.Exists(weights))
            throw new BasinException(weights, "file not found", "pass a .safetensors file or a run directory made by basin train");
    }

    public static bool IsRun(string path) => Directory.Exists(path) && File.Exists(System.IO.Path.Combine(path, "model.json"));

    public string CheckpointPath(long step) => System.IO.Path.Combine(CheckpointsPath, $"step-{step:D7}.safetensors");
    public string OptimizerPath(long step) => System.IO.Path.Combine(CheckpointsPath, $"step-{step:D7}.optimizer.safetensors");

    /// <summary>Steps whose checkpoint is complete (weights and optimizer state), in order: where a run can resume.</summary>
    public IReadOnlyList<long> ResumableSteps() => Checkpoints().Where(s => File.Exists(OptimizerPath(s))).ToList();

    /// <summary>What this directory holds for a run keyed by <paramref name="config"/> (see <see cref="RunConfig.WithInputs"/>).</summary>
    public RunState StateFor(RunConfig config)
    {
        if (!IsRun(Path)) return RunState.Missing;
        RunConfig stored;
        try { stored = ReadConfig(); }
        catch (BasinException) { return RunState.Different; }
        if (!stored.SameRun(config)) return RunState.Different;
        return File.Exists(FinalPath) ? RunState.Finished : RunState.Interrupted;
    }

    /// <summary>Removes what killed writers left in the run (see <see cref="AtomicFile.RemoveStale"/>).</summary>
    public void RemoveStaleTemporaries()
    {
        AtomicFile.RemoveStale(Path);
        AtomicFile.RemoveStale(CheckpointsPath);
    }

    public const string HistoryFile = "history.jsonl";

    /// <summary>
    /// Records settings changed when the run was resumed at <paramref name="step"/>: one JSON line per setting, with its
    /// value before and after, appended to history.jsonl.
    /// </summary>
    public void AppendHistory(long step, IReadOnlyList<(string Key, System.Text.Json.Nodes.JsonNode? From, System.Text.Json.Nodes.JsonNode? To)> changes)
    {
        if (changes.Count == 0) return;
        string path = System.IO.Path.Combine(Path, HistoryFile);
        var text = new System.Text.StringBuilder(File.Exists(path) ? File.ReadAllText(path) : "");
        foreach (var (key, from, to) in changes)
            text.Append(new System.Text.Json.Nodes.JsonObject { ["step"] = step, ["setting"] = key, ["from"] = from, ["to"] = to }.ToJsonString()).Append('\n');
        AtomicFile.Write(path, s => s.Write(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
    }

    public RunConfig ReadConfig()
    {
        if (!File.Exists(ConfigPath)) throw new BasinException(Path, "not a run directory (no model.json)", "make one with basin train {out} DIR");
        return RunConfig.FromJson(File.ReadAllText(ConfigPath), ConfigPath);
    }

    public void WriteConfig(RunConfig config) =>
        AtomicFile.Write(ConfigPath, s => s.Write(System.Text.Encoding.UTF8.GetBytes(config.ToJson() + "\n")));

    [GeneratedRegex(@"^step-(\d{7,})\.safetensors$")]
    private static partial Regex CheckpointName();

    /// <summary>Complete checkpoints (weights file present), by step.</summary>
    public IReadOnlyList<long> Checkpoints()
    {
        var steps = new List<long>();
        if (!Directory.Exists(CheckpointsPath)) return steps;
        foreach (var file in Directory.EnumerateFiles(CheckpointsPath))
            if (CheckpointName().Match(System.IO.Path.GetFileName(file)) is { Success: true } m)
                steps.Add(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        steps.Sort();
        return steps;
    }

    /// <summary>
    /// The weights file for <paramref name="which"/>: "final", "latest" (the default: final if present, else the
    /// last checkpoint), or a step number.
    /// </summary>
    public string Weights(string? which = null)
    {
        var steps = Checkpoints();
        switch (which?.ToLowerInvariant())
        {
            case null or "" or "latest":
                if (File.Exists(FinalPath) && which is null or "") return FinalPath;
                if (steps.Count > 0) return CheckpointPath(steps[^1]);
                if (File.Exists(FinalPath)) return FinalPath;
                throw new BasinException(Path, "the run has no checkpoint yet", "train it with basin train {resume} " + Path);
            case "final":
                return File.Exists(FinalPath) ? FinalPath : throw new BasinException(Path, "the run has no final.safetensors (not finished)", "use {checkpoint} latest, or resume it");
            default:
                if (!long.TryParse(which, NumberStyles.Integer, CultureInfo.InvariantCulture, out long step))
                    throw new BasinException("{checkpoint}", $"'{which}' is not final, latest or a step number");
                if (!steps.Contains(step))
                    throw new BasinException("{checkpoint}", $"run {Path} has no checkpoint at step {step}",
                        steps.Count == 0 ? "it has no checkpoints" : "steps: " + string.Join(", ", steps.TakeLast(10)));
                return CheckpointPath(step);
        }
    }
}
