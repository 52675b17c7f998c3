using System.Numerics;
using System.Text.Json.Nodes;
using Basin.Data;
using Basin.Models;
using Basin.Objective;
using Basin.Training;

namespace Basin.Connectivity;

/// <summary>
/// Liao and Poggio's perturb-and-retrain study of a trained run: the noise, each seed's training metrics after the
/// perturbation, and the distances and straight-line barriers between the minimum (first) and the minima retrained from it.
/// </summary>
internal sealed record PerturbStudy(double Scale, double Sigma, double MeanAbsWeight, int Epochs, string Optimizer, string Root,
    IReadOnlyList<(int Seed, IReadOnlyList<MetricsRow> Rows)> Runs, double[,] Distance, double[,] Barrier)
{
    /// <summary>The minimum, then the seeds, as <see cref="Distance"/> and <see cref="Barrier"/> order them.</summary>
    public string[] Names => ["minimum", .. Runs.Select(x => $"seed {x.Seed}")];

    /// <summary>
    /// Perturbs the run's latest weights <paramref name="seeds"/> times and retrains each (in <paramref name="root"/>, by
    /// default RUN/perturb; a seed already retrained with the same settings is reused). With <paramref name="device"/>, the
    /// retraining's full-batch gradients are computed by the remote it gives for the run's settings and training data.
    /// </summary>
    public static PerturbStudy Run(string runPath, double scale, int seeds, int epochs, string optimizer, double? learningRate, string? root, int threads,
        Action<RunConfig, DataSet, Action<IRemoteRisk>>? device = null)
    {
        var run = RunDirectory.IsRun(runPath) ? new RunDirectory(runPath)
            : throw new BasinException(runPath, "is not a run directory (no model.json)", "train one with basin train {out} DIR");
        var config = run.ReadConfig();
        root ??= Path.Combine(run.Path, "perturb");
        OutputPath.RequireDirectory(root, "{out}");
        return config.DType == "float64"
            ? Run<double>(run, config, scale, seeds, epochs, optimizer, learningRate, root, threads, device)
            : Run<float>(run, config, scale, seeds, epochs, optimizer, learningRate, root, threads, device);
    }

    static PerturbStudy Run<T>(RunDirectory run, RunConfig config, double scale, int seeds, int epochs, string optimizer, double? learningRate,
        string root, int threads, Action<RunConfig, DataSet, Action<IRemoteRisk>>? device) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (train, test) = TrainingRun.LoadData(config);
        var network = ModelSpec.Build<T>(config.Model, train.InputShape);
        var minimum = SafeTensors.ReadTheta<T>(run.Weights(), network.Layout);
        double meanAbs = minimum.Average(w => Math.Abs(double.CreateTruncating(w)));
        List<RetrainedMinimum<T>> Retrain(IRemoteRisk? remote) =>
            PerturbRetrain.Run(config, train, test, minimum, network.Layout, scale, seeds, epochs, optimizer, learningRate, root, threads, remote: remote);
        List<RetrainedMinimum<T>> results = null!;
        if (device is null) results = Retrain(null);
        else device(config with { Optimizer = optimizer.ToLowerInvariant() }, train, remote => results = Retrain(remote));
        var objective = new EmpiricalRisk<T>(network, train, config.Loss, config.L2, 500, threads);
        var (distance, barrier) = PerturbRetrain.Pairwise(objective, [minimum, .. results.Select(x => x.Weights)]);
        return new PerturbStudy(scale, scale * meanAbs, meanAbs, epochs, optimizer, root, results.Select(x => (x.Seed, x.Rows)).ToList(), distance, barrier);
    }

    public JsonObject ToJson() => new()
    {
        ["sigma"] = Sigma, ["mean_abs_weight"] = MeanAbsWeight,
        ["runs"] = new JsonArray(Runs.Select(x => (JsonNode)new JsonObject
        {
            ["seed"] = x.Seed,
            ["train_error"] = JsonValues.Numbers(x.Rows.Select(row => 1 - row.TrainAccuracy)),
            ["train_loss"] = JsonValues.Numbers(x.Rows.Select(row => row.TrainLoss)),
        }).ToArray()),
        ["names"] = new JsonArray(Names.Select(nm => (JsonNode)nm).ToArray()),
        ["distances"] = JsonValues.Matrix(Distance), ["barriers"] = JsonValues.Matrix(Barrier),
    };
}
