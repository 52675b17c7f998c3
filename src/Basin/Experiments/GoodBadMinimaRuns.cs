using Basin.Curvature;
using Basin.Data;
using Basin.Engine;
using Basin.Landscape;
using Basin.Models;
using Basin.Objective;
using Basin.Tensors;
using Basin.Training;

namespace Basin.Experiments;

/// <summary>One minimum measured on the clean training set: its loss, accuracies, curvature and basin size by two measures.</summary>
internal sealed record MinimumMeasures(double CleanLoss, double TrainError, double TestAccuracy, bool Converged, double[] TopEigenvalues, double Trace,
    double TraceStandardError, double NearZeroFraction, double SamplingRadius, double[] LineLoss, SpectralDensityResult Density)
{
    /// <summary>Wu, Zhu and E's log-volume -1/2 sum_{i &lt;= k} log lambda_i from the k leading eigenvalues.</summary>
    public double LogVolume(int k) => Sharpness.LogBasinVolume(TopEigenvalues.Take(k));
}

/// <summary>A good minimum (clean set) and a bad one (clean plus an attack set of random labels) of one seed, at equal clean loss.</summary>
internal sealed record MinimumPair(int Attack, MinimumMeasures Good, MinimumMeasures Bad, float[] BadTheta)
{
    /// <summary>
    /// Whether the two clean losses are equal as stated: the good one within 15 % below the bad one's (the good run stops at
    /// the first SGD step that reaches the bad one's loss, so it overshoots by at most one step).
    /// </summary>
    public bool EqualLoss => Good.CleanLoss <= Bad.CleanLoss * (1 + 1e-9) && Good.CleanLoss >= 0.85 * Bad.CleanLoss;
}

/// <summary>
/// The trainings of Wu, Zhu and E's experiment on the embedded Fashion-MNIST subset: the clean set is its first images, the
/// attack set the next ones with labels drawn at random (seeded); every minimum is measured on the clean set.
/// </summary>
internal sealed class GoodBadMinimaRuns(ExperimentInputs inputs, int hidden, int clean, string directory)
{
    public const int Leading = 5;
    /// <summary>The loss increase that defines the sampling radius.</summary>
    public const double RadiusLoss = 0.1;

    readonly DataSet pool = inputs.Load("train");
    // The clean set is the pool's first images, as a worker loads them itself.
    readonly DataSource cleanSource = inputs.Source("train", clean);
    public DataSet Clean => field ??= pool.Take(clean);
    public readonly DataSet Test = inputs.Load("test");

    /// <summary>The given network, else an MLP with one hidden layer.</summary>
    public string Model => inputs.Model ?? $"linear({pool.InputSize},{hidden}),relu,linear({hidden},{pool.Classes})";

    Network<float>? network;
    EmpiricalRisk<float>? cleanRisk, testRisk;

    Network<float> Net() => network ??= ModelSpec.Build<float>(Model, Clean.InputShape);

    /// <summary>The risks on the clean and test sets, made once (each holds its workspaces).</summary>
    EmpiricalRisk<float> CleanRisk => cleanRisk ??= new EmpiricalRisk<float>(Net(), Clean, "ce", 0, 500, 0);
    EmpiricalRisk<float> TestRisk => testRisk ??= new EmpiricalRisk<float>(Net(), Test, "ce", 0, 500, 0);

    /// <summary>The clean set plus <paramref name="attack"/> further images with random labels (their own ones without <paramref name="randomLabels"/>).</summary>
    public DataSet Poisoned(int attack, ulong seed, bool randomLabels = true)
    {
        if (clean + attack > pool.Count)
            throw new BasinException("attack set", $"{clean} clean + {attack} attack examples exceed the {pool.Count} images of {pool.Name}", "use a smaller {n}");
        // The clean set is the pool's first examples, so the poisoned set is the pool's first clean + attack images.
        var images = new float[(clean + attack) * pool.InputSize];
        pool.CopyFeatures(0, clean + attack, images);
        var rng = new Rng(seed, 0xA77A);
        var labels = randomLabels ? Enumerable.Range(0, attack).Select(_ => rng.NextInt(pool.Classes)).ToArray() : pool.Labels!.AsSpan(clean, attack).ToArray();
        return new DataSet($"clean+attack-{attack}", Clean.InputShape, images, [.. Clean.Labels!, .. labels], Clean.Classes);
    }

    /// <summary>SGD until the training loss (measured on the whole set after every step) is at most <paramref name="target"/>, or, without one, until every training example is classified correctly (checked at epoch ends).</summary>
    RunConfig Config(DataSet data, ulong seed, double? target, string init) => new()
    {
        Model = Model, Data = data.Name, Optimizer = "sgd", LearningRate = 0.05, Momentum = 0.9, Batch = 64, Epochs = 2000,
        TargetLoss = target, UntilZeroError = target is null, Seed = seed, SaveEvery = 0, Test = false, Init = init, LogEvery = target is null ? 0 : 1,
    };

    TrainingTask Run(DataSet data, string name, ulong seed, double? target, string init = "pytorch") =>
        new(Config(data, seed, target, init), data, Path.Combine(directory, name), data == Clean ? cleanSource : null);

    /// <summary>The run's minimum, trained (or reused).</summary>
    float[] Theta(TrainingTask run) => SafeTensors.ReadTheta<float>(run.Ensure().FinalPath, Net().Layout);

    static string Labels(bool randomLabels) => randomLabels ? "" : "-true-labels";

    /// <summary>Seed k's bad minimum: trained on the clean and attack sets until every example of them is classified correctly.</summary>
    public TrainingTask Bad(int attack, ulong seed, bool randomLabels = true) =>
        Run(Poisoned(attack, seed, randomLabels), $"bad-{attack}-{seed}{Labels(randomLabels)}", seed, null);

    /// <summary>Seed k's good minimum: trained on the clean set alone from another initialization until its loss is at most <paramref name="target"/>.</summary>
    public TrainingTask Good(int attack, ulong seed, double target, bool randomLabels = true) =>
        Run(Clean, $"good-{attack}-{seed}{Labels(randomLabels)}", seed + 1000, target);

    /// <summary>The k-th random start of the attraction claim, trained on the clean set to <paramref name="target"/>.</summary>
    public TrainingTask RandomStart(int k, ulong seed, double target) => Run(Clean, $"start-random-{k}", seed + 500 + (ulong)k, target);

    /// <summary>The k-th start next to a bad minimum (<paramref name="start"/>, written beside the runs), trained on the clean set to <paramref name="target"/>.</summary>
    public TrainingTask NearStart(int k, ulong seed, double target, float[] start)
    {
        string name = $"start-near-bad-{k}";
        Directory.CreateDirectory(directory);
        string init = Path.Combine(directory, name + ".init.safetensors");
        SafeTensors.Write<float>(init, Net().Layout, start);
        return Run(Clean, name, seed + 700 + (ulong)k, target, init);
    }

    /// <summary>The clean loss where a finished run ended (a good run's target, from its bad run).</summary>
    public double CleanLoss(TrainingTask run) => CleanRisk.Evaluate(Theta(run)).Loss;

    /// <summary>
    /// Seed k's pair: the bad minimum (verified to classify every example correctly), then the good one trained to the bad
    /// one's clean loss (equal loss, verified by <see cref="MinimumPair.EqualLoss"/>).
    /// </summary>
    public MinimumPair Pair(int attack, ulong seed, bool randomLabels = true)
    {
        var badRun = Bad(attack, seed, randomLabels);
        var bad = Theta(badRun);
        var badMeasures = Measure(bad, seed, converged: new EmpiricalRisk<float>(Net(), badRun.Train, "ce", 0, 500, 0).Evaluate(bad).Accuracy == 1);
        var good = Theta(Good(attack, seed, badMeasures.CleanLoss, randomLabels));
        return new MinimumPair(attack, Measure(good, seed, converged: true), badMeasures, bad);
    }

    /// <summary>The test accuracy where a run on the clean set ends, trained (or reused).</summary>
    public double TestAccuracy(TrainingTask run) => TestRisk.Evaluate(Theta(run)).Accuracy;

    /// <summary>The minimum's measures on the clean set (curvature, the sampling radius, a 1D filter-normalized profile).</summary>
    MinimumMeasures Measure(float[] theta, ulong seed, bool converged)
    {
        var train = CleanRisk;
        var at = train.Evaluate(theta);
        var hessian = new HessianOperator<float>(train, theta);
        var top = Spectrum.Top(hessian, new LanczosOptions(10), seed);
        var trace = Curvature.Trace.Hutchinson(hessian, new ProbeOptions { MaxProbes = 100, RelativeTolerance = 0.02 }, seed);
        var density = StochasticLanczosQuadrature.Run(hessian, new DensityOptions { Runs = 5, Steps = 40 }, seed);
        double lambda = top.Values[0];
        // The SLQ estimate of the share of eigenvalues within 1e-3 of the largest from zero.
        double nearZero = density.Nodes.Select((nodes, r) => nodes.Select((x, i) => Math.Abs(x) <= 1e-3 * lambda ? density.Weights[r][i] : 0).Sum()).Average();
        var direction = Directions.Random<float>(Net().Layout, seed, 1);
        Directions.Normalize<float>(direction, theta, Net().Layout, Normalization.Filter, Ignore.Bias);
        var line = new Surface(new Axis(-1, 1, 21), null, false, new Dictionary<string, string>());
        SurfaceComputation.Complete(line, train, null, theta, direction, null);
        return new MinimumMeasures(at.Loss, 1 - at.Accuracy, TestRisk.Evaluate(theta).Accuracy, converged,
            top.Values, trace.Value, trace.StandardError, nearZero, SamplingRadius(train, theta, at.Loss, seed), line.TrainLoss, density);
    }

    /// <summary>
    /// The basin's size by sampling: along each of 10 random unit directions u, the radius r where L(theta + r u) first
    /// exceeds L(theta) + <see cref="RadiusLoss"/> (bisection after doubling); the median over the directions.
    /// </summary>
    static double SamplingRadius(EmpiricalRisk<float> risk, float[] theta, double loss, ulong seed)
    {
        var rng = new Rng(seed, 0x5AD1);
        var radii = new double[10];
        var point = new float[theta.Length];
        for (int k = 0; k < radii.Length; k++)
        {
            var u = Enumerable.Range(0, theta.Length).Select(_ => rng.NextGaussian()).ToArray();
            double norm = Math.Sqrt(u.Sum(x => x * x));
            bool Above(double r)
            {
                for (int i = 0; i < theta.Length; i++) point[i] = theta[i] + (float)(r * u[i] / norm);
                return !(risk.Evaluate(point).Loss <= loss + RadiusLoss);
            }
            double lo = 0, hi = 1;
            while (!Above(hi) && hi < 1e4) (lo, hi) = (hi, 2 * hi);
            for (int step = 0; step < 30; step++)
            {
                double mid = 0.5 * (lo + hi);
                if (Above(mid)) hi = mid;
                else lo = mid;
            }
            radii[k] = 0.5 * (lo + hi);
        }
        return Statistics.Median(radii);
    }
}
