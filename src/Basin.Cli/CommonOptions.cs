namespace Basin.Cli;

/// <summary>The options shared by the commands that evaluate a model on data (DESIGN.md section 3).</summary>
internal sealed class CommonOptions
{
    public readonly Option<string?> Model = new("--model") { Description = "model spec, e.g. 'linear(784,100),relu,linear(100,10)' or mlp:784-100-10 (taken from the run when --weights is a run directory)" };
    public readonly Option<string> Weights = new("--weights") { Description = "safetensors file with the parameters (PyTorch state_dict names), or a run directory", Required = true };
    public readonly Option<string?> Checkpoint = new("--checkpoint") { Description = "with a run directory: final, latest (default) or a step number" };
    public readonly Option<string> Data = new("--data") { Description = "data set: " + string.Join(", ", DataCatalog.Names) + " (synthetic sets take options, e.g. spirals(noise=0.2)); without it, a run directory's own data (set, folder, its first N)", DefaultValueFactory = _ => DataCatalog.Embedded };
    public readonly Option<string?> DataDir = new("--data-dir") { Description = "folder holding the data files, the only place looked in (without it: $BASIN_DATA/NAME, then /usr/share/datasets/NAME)" };
    public readonly Option<string> Split = new("--split") { Description = "train or test", DefaultValueFactory = _ => "train" };
    public readonly Option<int?> N = new("--n") { Description = "use the first N examples" };
    public readonly Option<string> Normalize = new("--normalize") { Description = "auto (CIFAR-10's per-channel mean and std, as loss-landscape) or none", DefaultValueFactory = _ => "auto" };
    public readonly Option<string> Loss = new("--loss") { Description = "ce (cross-entropy) or mse", DefaultValueFactory = _ => "ce" };
    public readonly Option<double> L2 = new("--l2") { Description = "adds lambda/2 ||theta||^2 to the loss", DefaultValueFactory = _ => 0.0 };
    public readonly Option<string> DType = new("--dtype") { Description = "float32 or float64", DefaultValueFactory = _ => "float32" };
    public readonly Option<int> Threads = new("--threads") { Description = "worker threads (default: all cores); results do not depend on it", DefaultValueFactory = _ => 0 };
    public readonly Option<int> Batch = new("--batch") { Description = "examples per shard", DefaultValueFactory = _ => 500 };
    public readonly Option<bool> Json = new("--json") { Description = "print one JSON object instead of a table" };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Weights, Checkpoint }) command.Options.Add(o);
        AddDataOptions(command);
    }

    /// <summary>Everything but --weights/--checkpoint, for commands that name their weights otherwise.</summary>
    public void AddDataOptions(Command command)
    {
        foreach (var o in new Option[] { Model, Data, DataDir, Split, N, Normalize, Loss, L2, DType, Threads, Batch, Json })
            command.Options.Add(o);
    }

    public static bool IsDouble(string dtype) => dtype.ToLowerInvariant() switch
    {
        "float32" or "f32" or "float" => false,
        "float64" or "f64" or "double" => true,
        _ => throw new BasinException("--dtype", $"unknown dtype '{dtype}'", "use float32 or float64"),
    };

    public DataSet LoadData(ParseResult r) => LoadData(r, r.GetValue(Split)!, r.GetValue(N));

    /// <summary>The data set of <see cref="Source"/> on a split (a progress bar when it takes over a second).</summary>
    public DataSet LoadData(ParseResult r, string split, int? n)
    {
        var source = Source(r, split, n);
        return Progress.Delayed(Console.Error, $"reading {source.Name} {split}", report =>
            DataCatalog.Load(source.Name, split, source.Dir, source.N, source.Normalize, report));
    }

    /// <summary>A command's first weights argument, for a command without --weights (interpolate A B, connect A B).</summary>
    public Func<ParseResult, string?>? FirstWeights { get; set; }

    /// <summary>
    /// The data an evaluation reads: --data, --data-dir, --normalize and the first <paramref name="n"/> as given; where
    /// --data is not given and --weights (or <see cref="FirstWeights"/>) names a run directory, the run's own (its data
    /// set, folder and normalization, and the examples it trained or tested on), as --model is the run's.
    /// </summary>
    public (string Name, string? Dir, bool Normalize, int? N) Source(ParseResult r, string split, int? n)
    {
        bool normalize = DataCatalog.ParseNormalize(r.GetValue(Normalize)!);
        string? weights = r.GetResult(Weights) is null ? FirstWeights?.Invoke(r) : r.GetValue(Weights);
        if (r.GetResult(Data) is { Implicit: false } || weights is null || !RunDirectory.IsRun(weights))
            return (r.GetValue(Data)!, r.GetValue(DataDir), normalize, n);
        var config = new RunDirectory(weights).ReadConfig();
        return (config.Data, r.GetValue(DataDir) ?? config.DataDir, r.GetResult(Normalize) is { Implicit: false } ? normalize : config.Normalize,
            n ?? (split == "train" ? config.N : config.TestN));
    }

    /// <summary>The weights --weights names (a file or a run directory) on the data, with the loss and numeric options given.</summary>
    public LossLandscape Landscape(ParseResult r, DataSet data) =>
        LossLandscape.Load(r.GetValue(Weights)!, data, r.GetValue(Model), r.GetValue(Checkpoint), r.GetValue(Loss)!, r.GetValue(L2),
            IsDouble(r.GetValue(DType)!), r.GetValue(Batch), r.GetValue(Threads));

    /// <summary>Two weights arguments (files or run directories) on the data: a run names the model for both unless --model does.</summary>
    public (LossLandscape A, LossLandscape B) Pair(ParseResult r, DataSet data, string first, string second, string? model = null)
    {
        var (spec, a, b) = RunDirectory.ResolvePair(first, second, model ?? r.GetValue(Model));
        return (Load(a), Load(b));
        LossLandscape Load(string weights) => LossLandscape.Load(weights, data, spec, null, r.GetValue(Loss)!, r.GetValue(L2), IsDouble(r.GetValue(DType)!),
            r.GetValue(Batch), r.GetValue(Threads));
    }
}
