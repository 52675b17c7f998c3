using System.CommandLine;
using System.Numerics;
using Basin.Data;
using Basin.Engine;
using Basin.Models;

namespace Basin.Cli;

/// <summary>The options shared by the commands that evaluate a model on data (DESIGN.md section 3).</summary>
internal sealed class CommonOptions
{
    public readonly Option<string?> Model = new("--model") { Description = "model spec, e.g. 'linear(784,100),relu,linear(100,10)' or mlp:784-100-10 (taken from the run when --weights is a run directory)" };
    public readonly Option<string> Weights = new("--weights") { Description = "safetensors file with the parameters (PyTorch state_dict names), or a run directory", Required = true };
    public readonly Option<string?> Checkpoint = new("--checkpoint") { Description = "with a run directory: final, latest (default) or a step number" };
    public readonly Option<string> Data = new("--data") { Description = "data set: " + string.Join(", ", DataCatalog.Names) + " (synthetic sets take options, e.g. spirals(noise=0.2))", DefaultValueFactory = _ => DataCatalog.Embedded };
    public readonly Option<string?> DataDir = new("--data-dir") { Description = "folder holding the data files, the only place looked in (without it: $BASIN_DATA/NAME, then /usr/share/datasets/NAME)" };
    public readonly Option<string> Split = new("--split") { Description = "train or test", DefaultValueFactory = _ => "train" };
    public readonly Option<int?> N = new("--n") { Description = "use the first N examples" };
    public readonly Option<string> Loss = new("--loss") { Description = "ce (cross-entropy) or mse", DefaultValueFactory = _ => "ce" };
    public readonly Option<double> L2 = new("--l2") { Description = "adds lambda/2 ||theta||^2 to the loss", DefaultValueFactory = _ => 0.0 };
    public readonly Option<string> DType = new("--dtype") { Description = "float32 or float64", DefaultValueFactory = _ => "float32" };
    public readonly Option<int> Threads = new("--threads") { Description = "worker threads (default: all cores); results do not depend on it", DefaultValueFactory = _ => 0 };
    public readonly Option<int> Batch = new("--batch") { Description = "examples per shard", DefaultValueFactory = _ => 500 };
    public readonly Option<bool> Json = new("--json") { Description = "print one JSON object instead of a table" };

    public void AddTo(Command command)
    {
        command.Options.Add(Weights);
        command.Options.Add(Checkpoint);
        AddDataOptions(command);
    }

    /// <summary>Everything but --weights/--checkpoint, for commands that name their weights otherwise.</summary>
    public void AddDataOptions(Command command)
    {
        foreach (var o in new Option[] { Model, Data, DataDir, Split, N, Loss, L2, DType, Threads, Batch, Json })
            command.Options.Add(o);
    }

    /// <summary>
    /// The model spec and weights files of two positional weights arguments: a run directory on either side names
    /// the model for both unless --model does.
    /// </summary>
    public static (string Spec, string First, string Second) ResolvePair(string? spec, string first, string second)
    {
        spec ??= new[] { first, second }.Where(RunDirectory.IsRun).Select(d => new RunDirectory(d).ReadConfig().Model).FirstOrDefault();
        var (resolved, a) = ResolveWeights(spec, first);
        var (_, b) = ResolveWeights(resolved, second);
        return (resolved, a, b);
    }

    /// <summary>Names a weights path that is neither a file nor a directory before anything asks for the model.</summary>
    public static void RequireWeights(string weights)
    {
        if (!File.Exists(weights) && !Directory.Exists(weights))
            throw new BasinException(weights, "file not found", "pass a .safetensors file or a run directory made by basin train");
    }

    /// <summary>Model spec and weights file of a positional weights argument (a file or a run directory).</summary>
    public static (string Spec, string WeightsPath) ResolveWeights(string? spec, string weights)
    {
        RequireWeights(weights);
        if (RunDirectory.IsRun(weights))
        {
            var run = new RunDirectory(weights);
            return (spec ?? run.ReadConfig().Model, run.Weights());
        }
        return (spec ?? throw new BasinException("--model", "missing", $"{weights} is not a run directory; give the model spec with --model"), weights);
    }

    public static bool IsDouble(string dtype) => dtype.ToLowerInvariant() switch
    {
        "float32" or "f32" or "float" => false,
        "float64" or "f64" or "double" => true,
        _ => throw new BasinException("--dtype", $"unknown dtype '{dtype}'", "use float32 or float64"),
    };

    public DataSet LoadData(ParseResult r) =>
        DataCatalog.Load(r.GetValue(Data)!, r.GetValue(Split)!, r.GetValue(DataDir), r.GetValue(N));

    /// <summary>The model spec and weights file named by --model/--weights, resolving a run directory.</summary>
    public (string Spec, string WeightsPath) ResolveModel(ParseResult r)
    {
        string weights = r.GetValue(Weights)!;
        string? spec = r.GetValue(Model);
        RequireWeights(weights);
        if (RunDirectory.IsRun(weights))
        {
            var run = new RunDirectory(weights);
            return (spec ?? run.ReadConfig().Model, run.Weights(r.GetValue(Checkpoint)));
        }
        if (Directory.Exists(weights))
            throw new BasinException(weights, "is a directory but not a run (no model.json)", "pass a .safetensors file or a directory made by basin train");
        if (r.GetValue(Checkpoint) is not null)
            throw new BasinException("--checkpoint", "only applies when --weights is a run directory");
        return (spec ?? throw new BasinException("--model", "missing", "give the model spec, e.g. --model mlp:784-100-10"), weights);
    }

    /// <summary>Builds the network for the data and reads its weights (non-finite values are refused).</summary>
    public (Network<T> Network, T[] Theta) LoadModel<T>(ParseResult r, DataSet data) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (spec, path) = ResolveModel(r);
        var network = ModelSpec.Build<T>(spec, data.InputShape);
        return (network, SafeTensors.ReadTheta<T>(path, network.Layout));
    }
}
