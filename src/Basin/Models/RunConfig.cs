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

    /// <summary>Refuses numbers no run can use, naming the option that gave them.</summary>
    public void Validate()
    {
        static void Require(bool ok, string option, string why, string hint)
        {
            if (!ok) throw new BasinException(option, why, hint);
        }
        Require(double.IsFinite(LearningRate) && LearningRate > 0, "--lr", $"{LearningRate} is not a positive learning rate", "e.g. --lr 0.1");
        Require(Momentum is >= 0 and < 1, "--momentum", $"{Momentum} is not in [0, 1)", "e.g. --momentum 0.9");
        Require(WeightDecay is >= 0 and < double.PositiveInfinity, "--weight-decay", $"{WeightDecay} is not 0 or more", "e.g. --weight-decay 5e-4");
        Require(L2 is >= 0 and < double.PositiveInfinity, "--l2", $"{L2} is not 0 or more", "e.g. --l2 1e-4");
        Require(Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1, "--beta1/--beta2", $"({Beta1}, {Beta2}) are not both in [0, 1)", "Adam's defaults are 0.9 and 0.999");
        Require(Eps is > 0 and < double.PositiveInfinity, "--eps", $"{Eps} is not positive", "Adam's default is 1e-8");
        Require(Epochs is null or > 0, "--epochs", $"{Epochs} is not a positive number of epochs", "e.g. --epochs 10");
        Require(Steps is null or > 0, "--steps", $"{Steps} is not a positive number of steps", "e.g. --steps 1000");
        Require(TargetLoss is null || double.IsFinite(TargetLoss.Value), "--target-loss", $"{TargetLoss} is not a finite loss", "e.g. --target-loss 1e-3");
    }

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
