using Basin.Data;
using Basin.Engine;
using Basin.Landscape;
using Basin.Models;
using Basin.Objective;
using Basin.Training;

namespace Basin.Experiments;

/// <summary>
/// One trained ResNet of the skip-connections study and what Li et al. measured around it: its training loss and
/// accuracy (in eval mode, with its running statistics), the filter-normalized loss surface, and the convexity map
/// |lambda_min / lambda_max| of the Hessian on a coarser grid, whose mean over the cells is its non-convexity.
/// </summary>
internal sealed record ResNetMinimum(int Depth, bool Shortcuts, ulong Seed, double TrainLoss, double TrainAccuracy, bool Converged, Surface Loss, Surface Convexity)
{
    public string Name => $"resnet{Depth}{(Shortcuts ? "" : "_noshort")}";

    public double NonConvexity => Enumerable.Range(0, Convexity.Cells).Average(Convexity.Convexity);
}

/// <summary>
/// loss-landscape's recipe at a size this machine trains: its ResNets (width w) on the embedded Fashion-MNIST subset
/// through the presets' input option, SGD with momentum 0.9, weight decay 5e-4, the step schedule at half and three
/// quarters of the epochs; directions filter-normalized with biasbn, surfaces in eval mode.
/// </summary>
internal sealed class SkipConnectionsRuns(ExperimentInputs inputs, int examples, int width, int epochs, double targetLoss, string directory)
{
    readonly DataSource source = inputs.Source("train", examples);
    public DataSet Train => field ??= source.Load();

    /// <summary>The preset on the data's channels and classes (CIFAR-10's ten, the presets' default, left unsaid).</summary>
    public string Spec(int depth, bool shortcuts) =>
        $"resnet{depth}{(shortcuts ? "" : "_noshort")}(in={ExperimentInputs.Image(Train, "skip-connections").Channels}{(Train.Classes == 10 ? "" : $",classes={Train.Classes}")},width={width})";

    /// <summary>The training run of the ResNet of this depth, with or without shortcuts, and seed.</summary>
    public TrainingTask Run(int depth, bool shortcuts, ulong seed) => new(new RunConfig
    {
        Model = Spec(depth, shortcuts), Data = Train.Name, Optimizer = "sgd", LearningRate = 0.1, Momentum = 0.9, WeightDecay = 5e-4, Batch = 32,
        Epochs = epochs, Schedule = $"step:{epochs / 2},{3 * epochs / 4}:0.1", Seed = seed, SaveEvery = 0, Test = false,
    }, Train, Path.Combine(directory, $"resnet{depth}{(shortcuts ? "" : "_noshort")}-width-{width}-seed-{seed}"), source);

    /// <summary>
    /// The minimum's measurements, each surface kept in the run's directory as `basin surface` writes it (loss-landscape's
    /// names, the directions beside it) and saved as it fills, so that a stopped experiment resumes cell by cell; a file
    /// computed from other weights, data or settings, or one that cannot be read, is computed afresh.
    /// </summary>
    public ResNetMinimum Minimum(int depth, bool shortcuts, ulong seed, int grid, int eigenGrid, int eigenExamples, int eigenSteps)
    {
        string spec = Spec(depth, shortcuts);
        var run = Run(depth, shortcuts, seed).Ensure();
        var network = ModelSpec.Build<float>(spec, Train.InputShape);
        var theta = SafeTensors.ReadTheta<float>(run.FinalPath, network.Layout);
        EmpiricalRisk<float> RiskOn(DataSet data) => new(network, data, "ce", 0, 500, 0);
        var risk = RiskOn(Train);
        var centre = risk.Evaluate(theta);
        var plane = new SurfaceOptions { Norm = Normalization.Filter, Ignore = Ignore.BiasBn, Seed = seed, ReplaceDifferent = true };
        var (loss, _) = SurfaceStudy.Compute(risk, RiskOn, theta,
            plane with { X = new Axis(-1, 1, grid), Y = new Axis(-1, 1, grid), File = Path.Combine(run.Path, $"surface-{grid}x{grid}.h5") }, null, default);
        var eigenRisk = RiskOn(Train.Slice(0, Math.Min(eigenExamples, Train.Count)));
        var (convexity, _) = SurfaceStudy.Compute(eigenRisk, RiskOn, theta, plane with
        {
            X = new Axis(-1, 1, eigenGrid), Y = new Axis(-1, 1, eigenGrid), EigenSteps = eigenSteps,
            File = Path.Combine(run.Path, $"convexity-{eigenGrid}x{eigenGrid}-{eigenRisk.Data.Count}-images-{eigenSteps}-steps.h5"),
        }, null, default);
        return new ResNetMinimum(depth, shortcuts, seed, centre.Loss, centre.Accuracy, centre.Loss <= targetLoss, loss, convexity);
    }
}
