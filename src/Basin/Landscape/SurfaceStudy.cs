using System.Globalization;
using System.Numerics;
using Basin.Engine;
using Basin.Models;
using Basin.Objective;
using Basin.Training;
using Basin.Data;

namespace Basin.Landscape;

/// <summary>
/// A surface as <see cref="SurfaceOptions"/> describe it, around theta on a risk: directions made and normalized, the
/// settings that identify the surface by content (hashes of the weights, data and directions, no paths), a file that holds
/// it resumed, the rest of the cells computed chunk by chunk with the file saved after each.
/// </summary>
internal static class SurfaceStudy
{
    /// <summary>The surface around theta on <paramref name="risk"/>; <paramref name="riskOn"/> makes the same risk on the test data.</summary>
    public static (Surface Surface, bool Resumed) Compute<T>(EmpiricalRisk<T> risk, Func<Data.DataSet, EmpiricalRisk<T>> riskOn, T[] theta, SurfaceOptions o,
        Action<int>? progress, CancellationToken cancel, IRemoteWorkers? remote = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var network = risk.Network;
        var data = risk.Data;
        if (o.File is { } target) OutputPath.RequireFile(target, "{out}");
        if (o.Y is null && (o.DirectionY is not null || o.TowardY is not null))
            throw new BasinException("{yrange}", "a y direction was given but no {yrange}", "add e.g. {yrange} -1:1:21");
        var dx = Direction(o.DirectionX, o.TowardX, theta, network.Layout, "x", 1, o.Seed, out string xSource, out bool normX);
        T[]? dy = null;
        string ySource = "";
        bool normY = false;
        if (o.Y is not null)
        {
            dy = Direction(o.DirectionY, o.TowardY, theta, network.Layout, "y", 2, o.Seed, out ySource, out normY);
            if (o.Orthogonalize) Directions.Orthogonalize<T>(dy, dx);
        }
        var ignore = o.Ignore ?? Directions.DefaultIgnore(network.Layout);
        if (normX) Directions.Normalize<T>(dx, theta, network.Layout, o.Norm, ignore);
        if (dy is not null && normY) Directions.Normalize<T>(dy, theta, network.Layout, o.Norm, ignore);

        // What the cells are computed from, by content: a file holding these is resumed, wherever its inputs now lie.
        var settings = new Dictionary<string, string>
        {
            ["model"] = network.Describe(),
            ["weights_sha256"] = ContentHash.Of<T>(theta),
            ["data"] = data.Name,
            ["data_sha256"] = data.ContentHash,
            ["split"] = data.Split,
            ["n"] = data.Count.ToString(CultureInfo.InvariantCulture),
            ["loss"] = risk.LossName,
            ["l2"] = SurfaceFile.Format(risk.L2),
            ["dtype"] = typeof(T) == typeof(float) ? "float32" : "float64",
            ["norm"] = o.Norm.ToString().ToLowerInvariant(),
            ["ignore"] = ignore.ToString().ToLowerInvariant(),
            ["orthogonalize"] = o.Orthogonalize ? "true" : "false",
            ["dir_x"] = xSource,
            ["dir_x_sha256"] = ContentHash.Of<T>(dx),
            ["dir_y"] = ySource,
            ["dir_y_sha256"] = dy is null ? "" : ContentHash.Of<T>(dy),
            ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
            ["basin_version"] = typeof(Surface).Assembly.GetName().Version?.ToString(3) ?? "",
        };
        if (o.EigenSteps is { } steps)
        {
            if (steps < 2) throw new BasinException("{eigen-steps}", $"{steps} Lanczos steps cannot find two extreme eigenvalues", "e.g. {eigen-steps} 30");
            settings["eigen"] = $"lanczos {steps} steps";
        }
        if (o.Test is { } testData)
        {
            settings["test_n"] = testData.Count.ToString(CultureInfo.InvariantCulture);
            settings["test_data_sha256"] = testData.ContentHash;
        }
        var surface = new Surface(o.X, o.Y, o.Test is not null, settings, eigen: o.EigenSteps is not null);
        bool resumed = false;
        if (o.File is { } path && File.Exists(path) && !o.Force && Stored(path, o.ReplaceDifferent, out bool oldLayout) is { } held
            && Resumable(held, surface, path, o.ReplaceDifferent) is { } stored)
        {
            surface = stored;
            resumed = true;
            // A file of the layout before loss-landscape's [j, i] is rewritten in it at once, whatever remains to compute.
            if (oldLayout) SurfaceFile.Write(path, surface);
        }
        if (o.File is { } file)
        {
            string stem = Stem(file);
            SafeTensors.Write<T>(stem + ".dir_x.safetensors", network.Layout, dx, buffers: false);
            if (dy is not null) SafeTensors.Write<T>(stem + ".dir_y.safetensors", network.Layout, dy, buffers: false);
            if (o.DirectionsHdf5)
                DirectionFile.Write(stem + ".dir.h5", network.Layout, dy is null
                    ? [("xdirection", Tensors.Numbers.ToDouble<T>(dx))]
                    : [("xdirection", Tensors.Numbers.ToDouble<T>(dx)), ("ydirection", Tensors.Numbers.ToDouble<T>(dy))]);
        }
        Action<Surface>? save = o.File is { } to ? s => SurfaceFile.Write(to, s) : null;
        try
        {
            if (remote is not null)
                remote.Complete(surface, Tensors.Numbers.ToDouble<T>(dx), dy is null ? null : Tensors.Numbers.ToDouble<T>(dy), o.EigenSteps, o.FlushSeconds,
                    save, progress, cancel);
            else
                SurfaceComputation.Complete(surface, risk, o.Test is null ? null : riskOn(o.Test), theta, dx, dy, o.FlushEvery, o.FlushSeconds,
                    save, progress, cancel, o.EigenSteps);
        }
        catch (OperationCanceledException)
        {
            throw new OperationCanceledException($"{surface.Completed} of {surface.Cells} cells are saved in {o.File}");
        }
        return (surface, resumed);
    }

    /// <summary>The file name without its .h5: the directions and figures are written beside it under this stem.</summary>
    public static string Stem(string file) => file.EndsWith(".h5", StringComparison.OrdinalIgnoreCase) ? file[..^3] : file;

    static T[] Direction<T>(string? file, string? toward, T[] theta, ParameterLayout layout, string axis, ulong stream, ulong seed, out string source, out bool normalize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (file is not null && toward is not null)
            throw new BasinException($"{{dir-{axis}}}", $"give either {{dir-{axis}}} or {{dir-{axis}-toward}}, not both");
        if (toward is not null)
        {
            RunDirectory.RequireWeights(toward);
            string weights = RunDirectory.IsRun(toward) ? new RunDirectory(toward).Weights() : toward;
            source = "toward other weights";
            normalize = false;
            return Directions.Difference<T>(theta, SafeTensors.ReadParameters<T>(weights, layout));
        }
        normalize = true;
        if (file is not null)
        {
            source = "file";
            return DirectionFile.IsHdf5(file) ? DirectionFile.Read<T>(file, axis + "direction", layout) : SafeTensors.ReadParameters<T>(file, layout);
        }
        source = $"random seed {seed} stream {stream}";
        return Directions.Random<T>(layout, seed, stream);
    }

    /// <summary>The surface in the file; when <paramref name="replace"/>, null for a file that cannot be read (computed afresh).</summary>
    static Surface? Stored(string path, bool replace, out bool oldLayout)
    {
        try
        {
            return SurfaceFile.Read(path, out oldLayout);
        }
        catch (BasinException) when (replace)
        {
            oldLayout = false;
            return null;
        }
    }

    /// <summary>
    /// The surface stored in the file if it is the one asked for (same grid, test split and settings); otherwise null when
    /// <paramref name="replace"/>, else an error naming the difference.
    /// </summary>
    static Surface? Resumable(Surface stored, Surface asked, string path, bool replace)
    {
        const string hint = "pass {force} to replace it, or choose another {out}";
        string? difference = stored.X != asked.X || stored.Y != asked.Y ? $"grid {Grid(stored)} in the file, {Grid(asked)} asked"
            : stored.HasTest != asked.HasTest ? $"test split {(stored.HasTest ? "in the file, not asked" : "asked, not in the file")}"
            : asked.Settings.Where(s => stored.Settings.GetValueOrDefault(s.Key) != s.Value)
                .Select(s => $"{s.Key} is '{stored.Settings.GetValueOrDefault(s.Key) ?? "(none)"}' in the file, '{s.Value}' now").FirstOrDefault();
        if (difference is null) return stored;
        if (replace) return null;
        throw new BasinException(path, $"holds a different surface ({difference})", hint);
    }

    static string Grid(Surface s) => s.Y is null ? s.X.ToString() : $"{s.X} x {s.Y}";
}
