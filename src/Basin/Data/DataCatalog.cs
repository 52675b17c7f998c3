namespace Basin.Data;

/// <summary>
/// Finds data sets by name: IDX files of <c>mnist</c> and <c>fashion-mnist</c> (looked up in a given data folder alone when it
/// is given, else in $BASIN_DATA/NAME, then /usr/share/datasets/NAME), the embedded <c>fashion-mnist-mini</c> subset,
/// and the seeded synthetic sets.
/// </summary>
internal static class DataCatalog
{
    public const string Embedded = "fashion-mnist-mini";

    public static readonly string[] Names =
        ["fashion-mnist", "mnist", "cifar10", Embedded, "FILE.csv[:LABEL_COLUMN]", .. Synthetic.Names];

    /// <summary>auto (the set's standard normalization) or none.</summary>
    public static bool ParseNormalize(string text) => text.ToLowerInvariant() switch
    {
        "auto" => true,
        "none" => false,
        _ => throw new BasinException("{normalize}", $"unknown value '{text}'", "use auto or none"),
    };

    /// <param name="normalize">Apply the set's standard normalization (CIFAR-10's per-channel mean and std, as loss-landscape trains on it); other sets have none.</param>
    /// <param name="progress">Told the fraction of a file set read so far (for a progress bar on a slow disk).</param>
    public static DataSet Load(string name, string split, string? dataDir = null, int? n = null, bool normalize = true, Action<double>? progress = null)
    {
        if (split is not ("train" or "test"))
            throw new BasinException("{split}", $"unknown split '{split}'", "use train or test");
        if (n is <= 0) throw new BasinException("{n}", $"{n} is not a positive number of examples");
        var (kind, options) = Synthetic.SplitName(name);
        DataSet data = kind.ToLowerInvariant() switch
        {
            _ when IsCsv(name, out var file, out var label) => Csv.Load(Csv.ForSplit(file, split), label),
            "fashion-mnist" or "mnist" => FromIdxDirectory(kind.ToLowerInvariant(), split, dataDir, n, progress),
            "cifar10" or "cifar-10" => Cifar10.Load(Cifar10.Find(dataDir, split)
                ?? throw new BasinException("cifar10", $"no {Cifar10.FileNames(split)[0]} in " + string.Join(", ", SearchPath("cifar10", dataDir)),
                    "pass {data-dir} with the binary version's files (cifar-10-batches-bin)"), split, normalize, n, progress),
            Embedded => FromEmbedded(split, n),
            _ when Synthetic.Names.Contains(kind.ToLowerInvariant()) => Synthetic.Create(kind.ToLowerInvariant(), options, split, n ?? 1000),
            _ => throw new BasinException("{data}", $"unknown data set '{name}'", "known: " + string.Join(", ", Names)),
        };
        data = data.OfSplit(split);
        return n is { } count ? data.Take(count) : data;
    }

    /// <summary>FILE.csv, or FILE.csv:COLUMN naming the label column.</summary>
    static bool IsCsv(string name, out string file, out string? label)
    {
        int at = name.IndexOf(".csv", StringComparison.OrdinalIgnoreCase);
        file = at < 0 ? name : name[..(at + 4)];
        label = at >= 0 && name.Length > at + 5 && name[at + 4] == ':' ? name[(at + 5)..] : null;
        return at >= 0 && (name.Length == at + 4 || label is not null);
    }

    static (string Images, string Labels) FileNames(string split) => split == "train"
        ? ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
        : ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

    /// <summary>
    /// Directories searched for a named data set, in order: a given <paramref name="dataDir"/> (or its NAME subfolder)
    /// is the only place looked in; without one, $BASIN_DATA/NAME, then Debian's /usr/share/datasets/NAME.
    /// </summary>
    public static IEnumerable<string> SearchPath(string name, string? dataDir)
    {
        if (dataDir is not null)
        {
            yield return dataDir;
            yield return Path.Combine(dataDir, name);
            yield break;
        }
        if (Environment.GetEnvironmentVariable("BASIN_DATA") is { Length: > 0 } env) yield return Path.Combine(env, name);
        yield return Path.Combine("/usr/share/datasets", name);
    }

    static string? Find(string dir, string stem)
    {
        foreach (var candidate in new[] { stem + ".gz", stem })
        {
            string path = Path.Combine(dir, candidate);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    static DataSet FromIdxDirectory(string name, string split, string? dataDir, int? n, Action<double>? progress)
    {
        var (imagesStem, labelsStem) = FileNames(split);
        foreach (var dir in SearchPath(name, dataDir))
        {
            if (Find(dir, imagesStem) is not { } images) continue;
            string labels = Find(dir, labelsStem)
                ?? throw new BasinException(name, $"found {images} but no {labelsStem}(.gz) beside it");
            return Idx.ToDataSet(name, Idx.Read(images, n, progress), Idx.Read(labels, n), images);
        }
        throw new BasinException(name, $"no {imagesStem}(.gz) in " + string.Join(", ", SearchPath(name, dataDir)),
            dataDir is null
                ? $"pass {{data-dir}} DIR, set BASIN_DATA, install Debian's dataset-{name}, or use the embedded {{data}} {Embedded}"
                : $"check {{data-dir}}: it must hold {imagesStem}(.gz) and {labelsStem}(.gz); or use the embedded {{data}} {Embedded}");
    }

    static DataSet FromEmbedded(string split, int? n)
    {
        var (imagesStem, labelsStem) = FileNames(split);
        var asm = typeof(DataCatalog).Assembly;
        (int[], ReadOnlyMemory<byte>) ReadResource(string stem)
        {
            using var s = asm.GetManifestResourceStream($"{Embedded}/{stem}.gz")
                ?? throw new InvalidOperationException($"embedded resource {stem} missing from the build");
            return Idx.Read(s, $"{Embedded}/{stem}", n);
        }
        return Idx.ToDataSet(Embedded, ReadResource(imagesStem), ReadResource(labelsStem), Embedded);
    }
}
