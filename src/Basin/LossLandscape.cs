using Basin.Connectivity;
using Basin.Curvature;
using Basin.Data;
using Basin.Engine;
using Basin.Landscape;
using Basin.Models;
using Basin.Objective;
using Basin.Training;

namespace Basin;

/// <summary>
/// The entry point: a network at a point theta of its parameter space, judged by a loss on a data set. Load one from a
/// run directory or a weights file, then ask for what the landscape around it looks like: its loss, curvature operators
/// (for <see cref="Spectrum"/> and <see cref="Trace"/>), surfaces along directions, the straight line or a low-loss path
/// to another point, and flatness measures. Every result is an immutable record; float32 unless loaded as float64.
/// Beside it: <see cref="TrainingRun"/> trains the runs it loads, <see cref="Trajectories.Trajectory.Of"/> draws runs'
/// checkpoints in one frame, and <see cref="Experiments.Experiment.All"/> holds the papers' experiments.
/// </summary>
/// <example>
/// <code>
/// var data = DataSet.Load("fashion-mnist-mini");
/// var minimum = LossLandscape.Load("runs/mlp", data);
/// var loss = minimum.Evaluate();
/// var top = Spectrum.Top(minimum.Hessian(), new LanczosOptions(3), seed: 0);
/// var (surface, _) = minimum.Surface(new SurfaceOptions { X = new Axis(-1, 1, 21), Y = new Axis(-1, 1, 21) });
/// </code>
/// </example>
public sealed class LossLandscape
{
    readonly ILandscapePoint point;

    LossLandscape(ILandscapePoint point, string weightsPath)
    {
        this.point = point;
        WeightsPath = weightsPath;
    }

    /// <summary>
    /// The weights <paramref name="weights"/> names (a safetensors file, or a run directory: its final weights, or
    /// <paramref name="checkpoint"/>: final, latest or a step) on <paramref name="data"/>; the model spec is the run's unless
    /// given. <paramref name="batch"/> examples per shard and <paramref name="threads"/> (0: every core) change the speed,
    /// never the numbers.
    /// </summary>
    public static LossLandscape Load(string weights, DataSet data, string? spec = null, string? checkpoint = null, string loss = "ce",
        double l2 = 0, bool float64 = false, int batch = 500, int threads = 0)
    {
        var (resolved, path) = RunDirectory.Resolve(weights, spec, checkpoint);
        var settings = new RiskSettings(loss, l2, batch, threads);
        return new LossLandscape(float64 ? LandscapePoint<double>.Read(resolved, path, data, settings) : LandscapePoint<float>.Read(resolved, path, data, settings), path);
    }

    /// <summary>The point <paramref name="theta"/> of the model <paramref name="spec"/> on <paramref name="data"/>.</summary>
    public static LossLandscape At(string spec, ReadOnlySpan<double> theta, DataSet data, string loss = "ce", double l2 = 0, bool float64 = false,
        int batch = 500, int threads = 0)
    {
        var settings = new RiskSettings(loss, l2, batch, threads);
        return new LossLandscape(float64 ? LandscapePoint<double>.Of(spec, theta, data, settings) : LandscapePoint<float>.Of(spec, theta, data, settings), "");
    }

    /// <summary>
    /// The same point, every evaluation of it or of points reached from it (interpolation, paths) first recomputing
    /// BatchNorm's running statistics there by train-mode passes over the data (dnn-mode-connectivity's update_bn).
    /// </summary>
    public LossLandscape UpdatingBatchNorm() => new(point.UpdatingBatchNorm(), WeightsPath);

    /// <summary>The same point, its Hessian's products and its surfaces computed by workers that hold it too.</summary>
    internal LossLandscape Remote(IRemoteWorkers workers) => new(point.Remote(workers), WeightsPath);

    /// <summary>How the point's loss is computed: loss, l2, shard size, threads, and where its passes run.</summary>
    internal RiskSettings Settings => point.Settings;

    /// <summary>The model's BatchNorm running statistics (empty without BatchNorm).</summary>
    internal ModelBuffers Buffers => Layout.Buffers;

    /// <summary>The model as it describes its layers, e.g. linear(784,100),relu,linear(100,10).</summary>
    public string Spec => point.Spec;
    public ParameterLayout Layout => point.Layout;
    public int ParameterCount => Layout.Count;
    public DataSet Data => point.Data;
    public bool Float64 => point.Float64;
    /// <summary>The weights file the point was read from (empty when it was given as values).</summary>
    public string WeightsPath { get; }

    /// <summary>theta, in float64.</summary>
    public double[] Theta() => point.Theta();

    /// <summary>The same point on other data (a test split), with the same loss and settings.</summary>
    public LossLandscape On(DataSet data) => new(point.On(data), WeightsPath);

    /// <summary>Another point of the same model, data and loss.</summary>
    public LossLandscape At(ReadOnlySpan<double> theta) => new(point.At(theta), "");

    /// <summary>
    /// Dinh et al. (2017)'s alpha-rescaling of this point: the first linear/conv layer times alpha and the next one (through
    /// ReLU and pooling) divided by it, the same function; null when the model has no such pair of layers.
    /// </summary>
    public LossLandscape? Rescaled(double alpha) => point.Rescaled(alpha) is { } p ? new(p, "") : null;

    /// <summary>Mean loss and accuracy over the data, in one pass.</summary>
    public Evaluation Evaluate() => point.Evaluate();

    /// <summary>The Hessian of the loss at theta (exact R-operator products).</summary>
    public ICurvatureOperator Hessian() => point.Hessian();

    /// <summary>The generalized Gauss-Newton matrix J^T H_loss J at theta.</summary>
    public ICurvatureOperator GaussNewton() => point.GaussNewton();

    /// <summary>The empirical Fisher (1/N) sum_i g_i g_i^T at theta, from per-example gradients.</summary>
    public ICurvatureOperator Fisher() => point.Fisher();

    /// <summary>The empirical Fisher's trace (1/N) sum_i ||g_i||^2, exactly.</summary>
    public double FisherTrace() => point.FisherTrace();

    /// <summary>
    /// Eigenvalues, trace, Frobenius norm and spectral density of the curvature matrix <paramref name="options"/> name, in
    /// one call (what PyHessian reports, and more).
    /// </summary>
    public CurvatureReport Curvature(CurvatureOptions options)
    {
        CurvatureReport.Check(options, ParameterCount);
        var (name, op) = options.Operator.ToLowerInvariant() switch
        {
            "hessian" => ("Hessian", Hessian()),
            "ggn" or "gauss-newton" => ("GaussNewton", GaussNewton()),
            "fisher" => ("Fisher", Fisher()),
            var other => throw new BasinException("{operator}", $"unknown operator '{other}'", "use hessian, ggn or fisher"),
        };
        return CurvatureReport.Measure(name, op, Data.Count, options, FisherTrace);
    }

    /// <summary>
    /// The loss surface around theta as <paramref name="options"/> describe it; Resumed says a file holding it was continued.
    /// <paramref name="progress"/> hears the cells done so far; a cancellation stops after the chunk in progress, saved.
    /// </summary>
    public (Landscape.Surface Surface, bool Resumed) Surface(SurfaceOptions options, Action<int>? progress = null, CancellationToken cancel = default) =>
        point.Surface(options, progress, cancel);

    /// <summary>
    /// The loss along w(t) = theta + t (to - theta) at the values of <paramref name="t"/> (Goodfellow et al. 2015), on this
    /// data and <paramref name="test"/>; the loss at both ends; and the barrier: the highest loss for t in [0, 1] (Peak, at
    /// PeakT) minus the larger end.
    /// </summary>
    public (Landscape.Surface Line, Evaluation A, Evaluation B, double Barrier, double Peak, double PeakT) Interpolate(LossLandscape to, Axis t, DataSet? test = null) =>
        point.Interpolate(to.point, t, test);

    /// <summary>A path from this point to <paramref name="to"/> (found as <paramref name="options"/> say), evaluated along t.</summary>
    public PathResult Connect(LossLandscape to, PathOptions options, DataSet? test = null, Action<int>? progress = null) =>
        point.Connect(to.point, options, test, progress);

    /// <summary>
    /// The loss on the plane through the two ends and the single bend of a curved path, and the curve in its coordinates
    /// (the first end at the origin, the second at (1, 0)); null for a path without exactly one bend.
    /// </summary>
    public (Landscape.Surface Plane, double[][] Curve)? PlaneThroughBend(PathResult path, Action<int>? progress = null) =>
        path.Curve is { Bends.Length: 1 } curve ? point.PlaneThroughBend(curve, progress) : null;

    /// <summary>Flatness measures at theta (Keskar, SAM, ASAM, PAC-Bayes, Fisher, Hessian, Wu et al., Huszar), labelled.</summary>
    public IReadOnlyList<(string Name, double Value)> Sharpness(SharpnessOptions options) => point.Sharpness(options);
}
