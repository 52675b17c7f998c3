using System.Numerics;
using Basin.Data;
using Basin.Engine;
using Basin.Models;
using Basin.Tensors;
using Basin.Training;

namespace Basin.Connectivity;

/// <summary>A minimum reached again after a perturbation, with the metrics of its retraining.</summary>
internal sealed record RetrainedMinimum<T>(int Seed, T[] Weights, IReadOnlyList<MetricsRow> Rows) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// Liao and Poggio's perturb-and-retrain (Theory II): w* + N(0, (scale mean|w*|)^2) noise per seed, then the run's
/// training (by default full-batch GD) for the given epochs, each seed in its own run directory under root (a seed
/// already retrained with the same settings is reused). The noise of seed k is drawn from stream <c>noise</c> of seed k.
/// </summary>
internal static class PerturbRetrain
{
    public static List<RetrainedMinimum<T>> Run<T>(RunConfig config, DataSet train, DataSet? test, T[] minimum, ParameterLayout layout, double scale,
        int seeds, int epochs, string optimizer, double? learningRate, string root, int threads, Action<int>? seedStarted = null, ulong noise = 0x9E27,
        Objective.IRemoteRisk? remote = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (seeds < 1 || epochs < 1) throw new BasinException("{seeds}/{epochs}", "need at least one seed and one epoch");
        if (scale < 0) throw new BasinException("{scale}", $"{scale} is negative");
        double sigma = scale * minimum.Average(w => Math.Abs(double.CreateTruncating(w)));
        var results = new List<RetrainedMinimum<T>>();
        for (int k = 0; k < seeds; k++)
        {
            var rng = new Rng((ulong)k, noise);
            var start = minimum.Select(w => w + T.CreateTruncating(sigma * rng.NextGaussian())).ToArray();
            Directory.CreateDirectory(root);
            string init = Path.Combine(root, $"seed-{k}.perturbed.safetensors");
            SafeTensors.Write<T>(init, layout, start);
            bool gd = optimizer.Equals("gd", StringComparison.OrdinalIgnoreCase);
            var retrain = config with
            {
                Init = init, Epochs = epochs, Steps = null, TargetLoss = null, UntilZeroError = false, Optimizer = optimizer.ToLowerInvariant(),
                LearningRate = learningRate ?? config.LearningRate, Momentum = gd ? 0 : config.Momentum, Nesterov = false, Seed = (ulong)k,
                SaveEvery = 1, SaveEverySteps = 0, LogEvery = 0,
            };
            seedStarted?.Invoke(k);
            var dir = TrainingRun.Ensure<T>(retrain, train, test, Path.Combine(root, $"seed-{k}"), threads, remote);
            results.Add(new RetrainedMinimum<T>(k, SafeTensors.ReadTheta<T>(dir.FinalPath, layout), new MetricsLog(dir.MetricsPath, long.MaxValue).Rows));
        }
        return results;
    }

    /// <summary>Pairwise distances and straight-line barriers (11 points per segment) between weight vectors.</summary>
    public static (double[,] Distance, double[,] Barrier) Pairwise<T>(Objective.EmpiricalRisk<T> f, IReadOnlyList<T[]> points) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = points.Count;
        var distance = new double[m, m];
        var barrier = new double[m, m];
        double[] ts = Enumerable.Range(0, 11).Select(i => i / 10.0).ToArray();
        var evals = new Objective.Evaluation[ts.Length];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < i; j++)
        {
            var d = points[j].Select((x, q) => x - points[i][q]).ToArray();
            distance[i, j] = distance[j, i] = Math.Sqrt(d.Sum(x => double.CreateTruncating(x * x)));
            f.EvaluatePlane(points[i], d, [], ts, new double[ts.Length], evals);
            barrier[i, j] = barrier[j, i] = Connectivity.Barrier.Of(evals.Select(e => e.Loss).ToArray());
        }
        return (distance, barrier);
    }
}
