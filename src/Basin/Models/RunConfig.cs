using System.Text.Json;
using System.Text.Json.Serialization;

namespace Basin.Models;

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
    public string Version { get; init; } = typeof(RunConfig).Assembly.GetName().Version?.ToString(3) ?? "0";

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RunConfig FromJson(string json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<RunConfig>(json, Json) ?? throw new BasinException(what, "empty model.json");
        }
        catch (JsonException e)
        {
            throw new BasinException(what, $"model.json is not valid ({e.Message})", "the run directory is corrupt; train again");
        }
    }
}
