using System.Text.Json.Nodes;
using Basin.Data;
using Basin.Landscape;
using Basin.Models;
using Basin.Objective;
using Basin.Tensors;
using Basin.Training;

namespace Basin.Trajectories;

/// <summary>One run's checkpoints in the common frame, with (PCA) each one's distance off the plane.</summary>
public sealed record RunTrajectory(string Run, long[] Steps, double[][] Coordinates, double[]? OffPlane);

/// <summary>
/// The checkpoints of one or several runs in one 2D frame: on their PCA plane (Li et al. 2018), with the variance each
/// axis explains and optionally the loss surface of the plane, or embedded by MDS (Liao and Poggio's Theory II) with its
/// stress and the loss at every checkpoint.
/// </summary>
public sealed record Trajectory(string Method, string Reference, IReadOnlyList<RunTrajectory> Runs)
{
    public double[]? ExplainedVariance { get; init; }
    public Surface? Plane { get; init; }
    /// <summary>The PCA plane's directions in theta's order, and the model's tensors they are cut into.</summary>
    internal (double[] X, double[] Y)? Directions { get; init; }
    internal Engine.ParameterLayout? Layout { get; init; }

    /// <summary>
    /// loss-landscape's files of a PCA trajectory (plot_trajectory.py): STEM.dir.h5 with the directions (xdirection,
    /// ydirection) and explained_variance_ratio_, and STEM.proj.h5 with every checkpoint's proj_xcoord and proj_ycoord.
    /// </summary>
    internal IReadOnlyList<string> WriteLossLandscapeFiles(string stem)
    {
        if (Directions is not { } d || Layout is null) throw new BasinException("{h5-directions}", "an MDS embedding has no directions", "use {method} pca");
        Landscape.DirectionFile.Write(stem + ".dir.h5", Layout, [("xdirection", d.X), ("ydirection", d.Y)],
            new Dictionary<string, double[]> { ["explained_variance_ratio_"] = ExplainedVariance! });
        Landscape.DirectionFile.WriteProjections(stem + ".proj.h5", Points);
        return [stem + ".dir.h5", stem + ".proj.h5"];
    }
    public double? Stress { get; init; }
    public double? ClassicalStress { get; init; }
    /// <summary>MDS: the training loss at every checkpoint, in run order.</summary>
    public double[]? Losses { get; init; }

    /// <summary>Every checkpoint's coordinates, in run order.</summary>
    public double[][] Points => Runs.SelectMany(r => r.Coordinates).ToArray();

    /// <summary>Reads every checkpoint of <paramref name="runs"/> (which must share their model) and places them in one frame.</summary>
    public static Trajectory Of(IReadOnlyList<string> runs, TrajectoryOptions options, Action<int>? progress = null)
    {
        var dirs = runs.Select(d => RunDirectory.IsRun(d) ? new RunDirectory(d) : throw new BasinException(d, "is not a run directory (no model.json)", "pass directories made by basin train")).ToList();
        var config = dirs[0].ReadConfig();
        var spec = ModelSpec.Expand(config.Model);
        foreach (var d in dirs.Skip(1))
            if (ModelSpec.Expand(d.ReadConfig().Model) != spec)
                throw new BasinException(d.Path, $"trains {d.ReadConfig().Model}, not {config.Model}", "runs in one frame must share the model");
        var method = options.Method.ToLowerInvariant();
        if (method is not ("pca" or "mds")) throw new BasinException("{method}", $"unknown method '{options.Method}'", "use pca or mds");
        var data = DataCatalog.Load(options.Data ?? config.Data, "train", options.DataDir ?? config.DataDir, options.N ?? config.N);
        var network = ModelSpec.Build<double>(spec, data.InputShape);
        int checkpoints = dirs.Sum(d => d.Checkpoints().Count);
        // Every checkpoint in float64, and the Gram (PCA) or distance (MDS) matrices over them.
        MemoryBudget.Require(8.0 * checkpoints * network.ParameterCount + 24.0 * checkpoints * checkpoints,
            $"{checkpoints} checkpoints of {network.ParameterCount:N0} parameters", "pass fewer runs, or runs saved less often ({save-every})");
        var paths = dirs.Select(d => (Run: d.Path, Steps: d.Checkpoints().ToArray(),
            Points: d.Checkpoints().Select(s => SafeTensors.ReadParameters<double>(d.CheckpointPath(s), network.Layout)).ToArray())).ToList();
        var all = paths.SelectMany(p => p.Points).ToList();
        string reference = options.Reference is { } rp ? (RunDirectory.IsRun(rp) ? new RunDirectory(rp).Weights() : rp) : dirs[0].Weights();
        var center = SafeTensors.ReadTheta<double>(reference, network.Layout);
        EmpiricalRisk<double> Risk() => new(network, data, config.Loss, config.L2, 500, 0);

        IReadOnlyList<RunTrajectory> Split(double[][] coordinates, double[]? offPlane)
        {
            var split = new List<RunTrajectory>();
            int k = 0;
            foreach (var (run, steps, points) in paths)
            {
                split.Add(new RunTrajectory(run, steps, coordinates[k..(k + points.Length)], offPlane?[k..(k + points.Length)]));
                k += points.Length;
            }
            return split;
        }

        if (method == "mds")
        {
            var embedding = Mds.Smacof(Mds.Distances(all));
            var risk = Risk();
            return new Trajectory(options.Method, reference, Split(embedding.Points, null))
            {
                Stress = embedding.Stress, ClassicalStress = embedding.StressHistory[0], Losses = all.Select(w => risk.Evaluate(w).Loss).ToArray(),
            };
        }
        var pca = TrajectoryPca.Fit(all, center);
        Surface? plane = null;
        if (options.SurfaceGrid > 0)
        {
            Axis Around(double[] v)
            {
                double lo = v.Min(), hi = v.Max(), pad = 0.15 * Math.Max(hi - lo, 1e-6);
                return new Axis(lo - pad, hi + pad, Math.Max(3, options.SurfaceGrid));
            }
            plane = new Surface(Around(pca.Coordinates.Select(c => c[0]).ToArray()), Around(pca.Coordinates.Select(c => c[1]).ToArray()), false, new Dictionary<string, string>());
            if (options.Device is { } device)
                device(LossLandscape.At(spec, center, data, config.Loss, config.L2), moved =>
                    moved.Settings.Remote!.Complete(plane, pca.DirectionX, pca.DirectionY, null, double.PositiveInfinity, null, progress, default));
            else SurfaceComputation.Complete(plane, Risk(), null, center, pca.DirectionX, pca.DirectionY, progress: progress);
        }
        return new Trajectory(options.Method, reference, Split(pca.Coordinates, pca.OffPlane))
        {
            ExplainedVariance = pca.ExplainedVariance, Plane = plane, Directions = (pca.DirectionX, pca.DirectionY), Layout = network.Layout,
        };
    }

    /// <summary>The JSON document of basin trajectory.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["method"] = Method, ["reference"] = Reference };
        var runs = new JsonArray(Runs.Select(r =>
        {
            var run = new JsonObject
            {
                ["run"] = r.Run,
                ["steps"] = JsonValues.Exact(r.Steps),
                ["coordinates"] = new JsonArray(r.Coordinates.Select(c => (JsonNode)new JsonArray(c[0], c[1])).ToArray()),
            };
            if (r.OffPlane is { } off) run["off_plane"] = JsonValues.Exact(off);
            return (JsonNode)run;
        }).ToArray());
        if (ExplainedVariance is { } ev)
        {
            json["explained_variance"] = new JsonArray(ev[0], ev[1]);
            json["runs"] = runs;
            if (Plane is { } plane) json["surface"] = plane.ToJson();
        }
        else
        {
            json["stress"] = Stress;
            json["classical_stress"] = ClassicalStress;
            json["runs"] = runs;
            json["losses"] = JsonValues.Numbers(Losses!);
        }
        return json;
    }
}
