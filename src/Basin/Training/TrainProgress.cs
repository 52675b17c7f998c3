using Basin.Objective;

namespace Basin.Training;

/// <summary>What the trainer reports after every update (Row is set when a metrics row was just logged).</summary>
public sealed record TrainProgress(long Step, long PlannedSteps, int Epoch, double LearningRate, double BatchLoss, MetricsRow? Row);

/// <summary>How a run ended (Parameters: the network's parameter count).</summary>
public sealed record TrainResult(long Steps, int Epochs, string StopReason, Evaluation Train, Evaluation? Test, string FinalPath,
    double Seconds, bool Resumed, int Parameters);
