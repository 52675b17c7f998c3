using System.Text.Json.Nodes;
using Basin.Models;
using Basin.Objective;

namespace Basin.Training;

/// <summary>What the trainer reports after every update (Row is set when a metrics row was just logged).</summary>
public sealed record TrainProgress(long Step, long PlannedSteps, int Epoch, double LearningRate, double BatchLoss, MetricsRow? Row);

/// <summary>How a run ended (Parameters: the network's parameter count).</summary>
public sealed record TrainResult(long Steps, int Epochs, string StopReason, Evaluation Train, Evaluation? Test, string FinalPath,
    double Seconds, bool Resumed, int Parameters)
{
    /// <summary>The JSON document of basin train, naming the run directory.</summary>
    public JsonObject ToJson(string run) => new()
    {
        ["run"] = run,
        ["final"] = FinalPath,
        ["steps"] = Steps,
        ["epochs"] = Epochs,
        ["stop"] = StopReason,
        ["parameters"] = Parameters,
        ["train_loss"] = JsonValues.Number(Train.Loss),
        ["train_accuracy"] = JsonValues.Number(Train.Accuracy),
        ["test_loss"] = Test is { } t ? JsonValues.Number(t.Loss) : null,
        ["test_accuracy"] = Test is { } t2 ? JsonValues.Number(t2.Accuracy) : null,
        ["seconds"] = Seconds,
    };
}
