using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Basin.Data;
using Basin.Models;

namespace Basin.Training;

/// <summary>Everything that defines a training run: written to model.json so the run can be resumed and reused.</summary>
public sealed record RunConfig
{
    public string Model { get; init; } = "";
    public string Data { get; init; } = "";
    public string? DataDir { get; init; }
    public int? N { get; init; }
    public int? TestN { get; init; }
    public bool Test { get; init; } = true;
    public double RandomLabels { get; init; }
    /// <summary>The data set's standard normalization (CIFAR-10's per-channel mean and std); off with {normalize} none.</summary>
    public bool Normalize { get; init; } = true;
    /// <summary>Random crop with 4-pixel zero padding and horizontal flip of every training image (seeded).</summary>
    public bool Augment { get; init; }
    public string Loss { get; init; } = "ce";
    public double L2 { get; init; }
    [JsonPropertyName("dtype")] public string DType { get; init; } = "float32";
    public string Optimizer { get; init; } = "sgd";
    public double LearningRate { get; init; } = 0.1;
    public double Momentum { get; init; }
    public bool Nesterov { get; init; }
    public double WeightDecay { get; init; }
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double Eps { get; init; } = 1e-8;
    public string Schedule { get; init; } = "constant";
    public int Warmup { get; init; }
    public int Batch { get; init; } = 128;
    public bool Shuffle { get; init; } = true;
    public ulong Seed { get; init; }
    public string Init { get; init; } = "pytorch";
    public int? Epochs { get; init; }
    public long? Steps { get; init; }
    public double? TargetLoss { get; init; }
    public bool UntilZeroError { get; init; }
    public int SaveEvery { get; init; } = 1;
    public int SaveEverySteps { get; init; }
    public int LogEvery { get; init; }
    public int Shard { get; init; } = 64;
    /// <summary>SHA-256 of the training examples as trained on (<see cref="Data.DataSet.ContentHash"/>).</summary>
    public string? DataSha256 { get; init; }
    public string? TestDataSha256 { get; init; }
    /// <summary>SHA-256 of the initialization file's bytes when <see cref="Init"/> names one.</summary>
    public string? InitSha256 { get; init; }
    public string Version { get; init; } = typeof(RunConfig).Assembly.GetName().Version?.ToString(3) ?? "0";

    /// <summary>
    /// This configuration keyed by its inputs' contents: the data it trains on and its initialization file (none when the
    /// file is gone: a run that needs it says so when it reads it).
    /// </summary>
    public RunConfig WithInputs(Data.DataSet train, Data.DataSet? test) => this with
    {
        DataSha256 = train.ContentHash,
        TestDataSha256 = test?.ContentHash,
        InitSha256 = Training.Initialization.IsFile(Init) && File.Exists(Init) ? ContentHash.OfFile(Init) : null,
    };

    /// <summary>Whether a stored run was made with these settings and inputs (whatever Basin version wrote it).</summary>
    public bool SameRun(RunConfig other) => this with { Version = other.Version } == other;

    /// <summary>Refuses numbers no run can use, naming the option that gave them.</summary>
    public void Validate()
    {
        static void Require(bool ok, string option, string why, string hint)
        {
            if (!ok) throw new BasinException(option, why, hint);
        }
        Require(double.IsFinite(LearningRate) && LearningRate > 0, "{lr}", $"{LearningRate} is not a positive learning rate", "e.g. {lr} 0.1");
        Require(Momentum is >= 0 and < 1, "{momentum}", $"{Momentum} is not in [0, 1)", "e.g. {momentum} 0.9");
        Require(WeightDecay is >= 0 and < double.PositiveInfinity, "{weight-decay}", $"{WeightDecay} is not 0 or more", "e.g. {weight-decay} 5e-4");
        Require(L2 is >= 0 and < double.PositiveInfinity, "{l2}", $"{L2} is not 0 or more", "e.g. {l2} 1e-4");
        Require(Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1, "{beta1}/{beta2}", $"({Beta1}, {Beta2}) are not both in [0, 1)", "Adam's defaults are 0.9 and 0.999");
        Require(Eps is > 0 and < double.PositiveInfinity, "{eps}", $"{Eps} is not positive", "Adam's default is 1e-8");
        Require(Epochs is null or > 0, "{epochs}", $"{Epochs} is not a positive number of epochs", "e.g. {epochs} 10");
        Require(Steps is null or > 0, "{steps}", $"{Steps} is not a positive number of steps", "e.g. {steps} 1000");
        Require(TargetLoss is null || double.IsFinite(TargetLoss.Value), "{target-loss}", $"{TargetLoss} is not a finite loss", "e.g. {target-loss} 1e-3");
        Require(Optimizer is "sgd" or "gd" or "adam", "{optimizer}", $"unknown optimizer '{Optimizer}'", "use sgd, gd (full batch) or adam");
        Require(DType is "float32" or "float64", "{dtype}", $"unknown dtype '{DType}'", "use float32 or float64");
        Require(Batch > 0, "{batch}", $"{Batch} is not a positive batch size", "e.g. {batch} 128");
        Require(Shard > 0, "{shard}", $"{Shard} is not a positive shard size", "e.g. {shard} 64");
        Require(Warmup >= 0 && SaveEvery >= 0 && SaveEverySteps >= 0 && LogEvery >= 0, "{warmup}/{save-every}/{log-every}",
            "must be 0 or more", "0 turns each off");
        Require(RandomLabels is >= 0 and <= 1, "{random-labels}", $"{RandomLabels} is not a fraction in [0, 1]", "e.g. {random-labels} 0.5");
        Training.Schedule.Parse(Schedule, LearningRate, Steps ?? Epochs ?? 1, Warmup);
    }

    /// <summary>The keys of model.json, in the order they are written.</summary>
    public static readonly IReadOnlyList<string> Keys = JsonNode.Parse(new RunConfig().ToJson())!.AsObject().Select(kv => kv.Key).ToArray();

    // Basin 0.1 wrote a key only when its value was not null, and had no input hashes.
    static readonly HashSet<string> OptionalBefore02 =
        ["data_dir", "n", "test_n", "epochs", "steps", "target_loss", "data_sha256", "test_data_sha256", "init_sha256"];

    // Keys added later, whose absence in an older run means the behaviour it had: normalized CIFAR-10 (the data hash
    // tells), no augmentation.
    static readonly HashSet<string> AddedLater = ["normalize", "augment"];

    public string ToJson() => JsonSerializer.Serialize(this, RunConfigJson.Default.RunConfig);

    /// <summary>Reads model.json, refusing unknown and missing keys (which would otherwise resume a run with other settings).</summary>
    public static RunConfig FromJson(string json, string what)
    {
        const string hint = "the run's model.json was edited or is corrupt; restore it, or train a new run";
        try
        {
            if (JsonValues.ParseStrict(json) is not JsonObject keys) throw new BasinException(what, "model.json is not a JSON object", hint);
            foreach (var (key, _) in keys)
                if (!Keys.Contains(key)) throw new BasinException(what, $"unknown key '{key}' in model.json", hint);
            bool old = keys["version"] is JsonValue v && v.TryGetValue(out string? version) && version.StartsWith("0.1.", StringComparison.Ordinal);
            foreach (var key in Keys)
                if (!keys.ContainsKey(key) && !(old && OptionalBefore02.Contains(key)) && !AddedLater.Contains(key))
                    throw new BasinException(what, $"model.json has no '{key}'", hint);
            return keys.Deserialize(RunConfigJson.Default.RunConfig) ?? throw new BasinException(what, "model.json is empty", hint);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new BasinException(what, $"model.json is not valid ({e.Message})", hint);
        }
    }
}
