using System.Globalization;
using System.Numerics;
using Basin.Connectivity;
using Basin.Curvature;
using Basin.Data;
using Basin.Engine;
using Basin.Landscape;
using Basin.Models;
using Basin.Objective;
using Basin.Tensors;

namespace Basin;

/// <summary>
/// How a point's loss is computed: loss name, l2, examples per shard and threads (the last two never change the numbers),
/// whether each evaluation first recomputes BatchNorm's running statistics at its point (update_bn), and workers elsewhere
/// that run its Hessian's products and its surfaces.
/// </summary>
internal sealed record RiskSettings(string Loss, double L2, int Batch, int Threads, bool UpdateBatchNorm = false, IRemoteWorkers? Remote = null);

/// <summary>What <see cref="LossLandscape"/> asks of its point, whatever the engine's float type.</summary>
internal interface ILandscapePoint
{
    string Spec { get; }
    RiskSettings Settings { get; }
    ParameterLayout Layout { get; }
    DataSet Data { get; }
    bool Float64 { get; }
    double[] Theta();
    ILandscapePoint On(DataSet data);
    ILandscapePoint At(ReadOnlySpan<double> theta);
    ILandscapePoint? Rescaled(double alpha);
    ILandscapePoint UpdatingBatchNorm();
    ILandscapePoint Remote(IRemoteWorkers workers);
    Evaluation Evaluate();
    ICurvatureOperator Hessian();
    ICurvatureOperator GaussNewton();
    ICurvatureOperator Fisher();
    double FisherTrace();
    (Surface Surface, bool Resumed) Surface(SurfaceOptions options, Action<int>? progress, CancellationToken cancel);
    (Surface Line, Evaluation A, Evaluation B, double Barrier, double Peak, double PeakT) Interpolate(ILandscapePoint to, Axis t, DataSet? test);
    PathResult Connect(ILandscapePoint to, PathOptions options, DataSet? test, Action<int>? progress);
    (Surface Plane, double[][] Curve) PlaneThroughBend(Curve curve, Action<int>? progress);
    IReadOnlyList<(string Name, double Value)> Sharpness(SharpnessOptions options);
}

/// <summary>A network, its theta in T and the data and loss it is judged by; the risk over the data is made once, on first use.</summary>
internal sealed class LandscapePoint<T>(Network<T> network, T[] theta, DataSet data, RiskSettings settings) : ILandscapePoint
    where T : unmanaged, IFloatingPointIeee754<T>
{
    EmpiricalRisk<T>? risk, dense;

    public static LandscapePoint<T> Read(string spec, string path, DataSet data, RiskSettings settings)
    {
        var network = ModelSpec.Build<T>(spec, data.InputShape);
        return new(network, SafeTensors.ReadTheta<T>(path, network.Layout), data, settings);
    }

    public static LandscapePoint<T> Of(string spec, ReadOnlySpan<double> theta, DataSet data, RiskSettings settings)
    {
        var network = ModelSpec.Build<T>(spec, data.InputShape);
        if (theta.Length != network.ParameterCount)
            throw new BasinException("theta", $"{theta.Length} values for a model of {network.ParameterCount} parameters");
        return new(network, Numbers.To<T>(theta), data, settings);
    }

    public string Spec => network.Source;
    public RiskSettings Settings => settings;
    public ParameterLayout Layout => network.Layout;
    public DataSet Data => data;
    public bool Float64 => typeof(T) == typeof(double);
    public double[] Theta() => Numbers.ToDouble<T>(theta);
    T[] Values => theta;

    /// <summary>
    /// The risk over the data, whose first linear layer skips the data's zero inputs (every pass after the first pays); its
    /// full passes run on the workers when the point has them.
    /// </summary>
    EmpiricalRisk<T> Risk => risk ??= RiskOn(data, settings.Remote);

    EmpiricalRisk<T> RiskOn(DataSet d) => RiskOn(d, null);

    EmpiricalRisk<T> RiskOn(DataSet d, Objective.IRemoteRisk? remote) =>
        new(network, d, settings.Loss, settings.L2, settings.Batch, settings.Threads) { BatchNormSource = BatchNormSource, Remote = remote };

    /// <summary>The training data in shards of 128, one train-mode pass each (update_bn's loader), when statistics are recomputed.</summary>
    EmpiricalRisk<T>? BatchNormSource => settings.UpdateBatchNorm
        ? batchNormSource ??= new EmpiricalRisk<T>(network, data, settings.Loss, settings.L2, ModelBuffers.RecomputeBatch, settings.Threads, wholeShards: true)
        : null;

    EmpiricalRisk<T>? batchNormSource;

    public ILandscapePoint UpdatingBatchNorm()
    {
        if (network.Buffers.IsEmpty)
            throw new BasinException("{update-bn}", "the model has no BatchNorm, so there are no running statistics to recompute", "leave {update-bn} out");
        return new LandscapePoint<T>(network, theta, data, settings with { UpdateBatchNorm = true });
    }

    public ILandscapePoint Remote(IRemoteWorkers workers) => new LandscapePoint<T>(network, theta, data, settings with { Remote = workers });

    /// <summary>What has no remote form yet refuses to run silently in this process when workers were asked for.</summary>
    EmpiricalRisk<T> LocalRisk(string what) => settings.Remote is null ? Risk
        : throw new BasinException("{cluster}", $"{what} runs in one process only", "leave {cluster} out");

    static LandscapePoint<T> Same(ILandscapePoint other) =>
        other as LandscapePoint<T> ?? throw new BasinException("landscape", "the two points are of different float types", "load both as float32, or both as float64");

    public ILandscapePoint On(DataSet d) => new LandscapePoint<T>(network, theta, d, settings);

    public ILandscapePoint At(ReadOnlySpan<double> point)
    {
        if (point.Length != theta.Length) throw new BasinException("theta", $"{point.Length} values for a model of {theta.Length} parameters");
        return new LandscapePoint<T>(network, Numbers.To<T>(point), data, settings);
    }

    /// <summary>The point after Dinh's alpha-rescaling; workers hold the point they were given, so a point with workers has none.</summary>
    public ILandscapePoint? Rescaled(double alpha) => settings.Remote is not null
        ? throw new BasinException(settings.Remote.Name, "the passes run there at the point given, not at its alpha-rescaling",
            $"leave {settings.Remote.Name} or {{reparam-check}} out")
        : Reparametrization.FindPair(network) is { } pair ? new LandscapePoint<T>(network, Reparametrization.Rescale<T>(network, theta, pair, alpha), data, settings) : null;

    // A single pass: finding the zero patterns of a sparse first layer would cost more than it saves. Its own risk, so the
    // numbers never depend on what was asked before.
    public Evaluation Evaluate() => (dense ??= new EmpiricalRisk<T>(network, data, settings.Loss, settings.L2, settings.Batch, settings.Threads) { SkipsZeroInputs = false }).Evaluate(theta);

    public ICurvatureOperator Hessian() => new HessianOperator<T>(Risk, theta);
    public ICurvatureOperator GaussNewton() => new GaussNewtonOperator<T>(LocalRisk("the Gauss-Newton operator"), theta);
    public ICurvatureOperator Fisher() => new FisherOperator<T>(LocalRisk("the empirical Fisher"), theta);
    public double FisherTrace() => new FisherOperator<T>(LocalRisk("the exact Fisher trace"), theta).Trace();

    public (Surface Surface, bool Resumed) Surface(SurfaceOptions options, Action<int>? progress, CancellationToken cancel) =>
        SurfaceStudy.Compute(Risk, RiskOn, theta, options, progress, cancel, settings.Remote);

    public (Surface Line, Evaluation A, Evaluation B, double Barrier, double Peak, double PeakT) Interpolate(ILandscapePoint to, Axis t, DataSet? test)
    {
        var b = Same(to).Values;
        var direction = Directions.Difference<T>(theta, b);
        var settingsOfLine = new Dictionary<string, string>
        {
            ["model"] = network.Describe(), ["a_sha256"] = ContentHash.Of<T>(theta), ["b_sha256"] = ContentHash.Of<T>(b), ["data"] = data.Name,
            ["data_sha256"] = data.ContentHash,
            ["split"] = data.Split, ["n"] = data.Count.ToString(CultureInfo.InvariantCulture), ["loss"] = settings.Loss,
            ["dtype"] = Float64 ? "float64" : "float32", ["norm"] = "none", ["dir_x"] = "b - a",
        };
        var line = new Surface(t, null, test is not null, settingsOfLine);
        if (settings.Remote is { } remote)
        {
            if (settings.UpdateBatchNorm && !remote.UpdatesBatchNorm)
                throw new BasinException(remote.Name, "{update-bn} runs in one process only", $"leave {remote.Name} or {{update-bn}} out");
            remote.Complete(line, Numbers.ToDouble<T>(direction), null, null, double.PositiveInfinity, null, null, CancellationToken.None);
        }
        else SurfaceComputation.Complete(line, Risk, test is null ? null : RiskOn(test), theta, direction, null, chunk: t.Count);
        var ends = new Evaluation[2];
        Risk.EvaluatePlane(theta, direction, [], [0.0, 1.0], [0.0, 0.0], ends);
        double top = Math.Max(ends[0].Loss, ends[1].Loss), highest = top, at = ends[0].Loss >= ends[1].Loss ? 0 : 1;
        for (int i = 0; i < t.Count; i++)
            if (t[i] >= 0 && t[i] <= 1 && !(line.TrainLoss[i] <= highest)) { highest = line.TrainLoss[i]; at = t[i]; }
        return (line, ends[0], ends[1], highest - top, highest, at);
    }

    public PathResult Connect(ILandscapePoint to, PathOptions options, DataSet? test, Action<int>? progress) =>
        Paths.Connect(Risk, test is null ? null : RiskOn(test), Theta(), Same(to).Theta(), options, progress);

    public (Surface Plane, double[][] Curve) PlaneThroughBend(Curve curve, Action<int>? progress) => Paths.PlaneThroughBend(curve, Risk, progress);

    public IReadOnlyList<(string Name, double Value)> Sharpness(SharpnessOptions options) => Curvature.Sharpness.Measure(Risk, theta, options);
}
