namespace Basin.Data;

/// <summary>
/// Examples held in memory: features (Count x prod(InputShape), float32 as loaded) with class labels,
/// real-valued targets, or both.
/// </summary>
public sealed class DataSet
{
    public string Name { get; }
    public int[] InputShape { get; }
    public int InputSize { get; }
    public int Count { get; }
    public float[] Features { get; }
    public int[]? Labels { get; }
    public float[]? Targets { get; }
    public int TargetSize { get; }
    public int Classes { get; }
    /// <summary>train or test: the split the examples were loaded from.</summary>
    public string Split { get; init; } = "train";

    /// <summary>
    /// A data set by name: fashion-mnist, mnist or cifar10 from their files (<paramref name="dataDir"/> alone when given,
    /// else $BASIN_DATA/NAME, then /usr/share/datasets/NAME), the embedded fashion-mnist-mini, FILE.csv[:LABEL], or a
    /// seeded synthetic set (spirals(noise=0.2), teacher-student(d=10,width=4), ...); the first <paramref name="n"/>
    /// examples when given.
    /// </summary>
    public static DataSet Load(string name, string split = "train", string? dataDir = null, int? n = null) => DataCatalog.Load(name, split, dataDir, n);

    /// <summary>The same examples, marked as loaded from <paramref name="split"/>.</summary>
    internal DataSet OfSplit(string split) => new(Name, InputShape, Features, Labels, Classes, Targets, TargetSize) { Split = split };

    public DataSet(string name, int[] inputShape, float[] features, int[]? labels, int classes, float[]? targets = null, int targetSize = 0)
    {
        Name = name;
        InputShape = inputShape;
        long size = 1;
        foreach (int d in inputShape) size = Math.Min(size * d, int.MaxValue + 1L);
        if (size is 0 or > int.MaxValue) throw new BasinException(name, $"examples of shape [{string.Join(",", inputShape)}] cannot be used", "each example needs 1 to 2^31 - 1 values");
        InputSize = (int)size;
        Count = features.Length / InputSize;
        Features = features;
        Labels = labels;
        Classes = classes;
        Targets = targets;
        TargetSize = targetSize;
    }

    /// <summary>The first n examples in file order.</summary>
    public DataSet Take(int n)
    {
        if (n > Count)
            throw new BasinException("{n}", $"{n} examples asked but {Name} has only {Count}", $"use {{n}} {Count} or less");
        return n == Count ? this : Slice(0, n);
    }

    /// <summary>Examples start .. start + count - 1, in file order (a fixed minibatch).</summary>
    internal DataSet Slice(int start, int count) =>
        new(Name, InputShape, Features[(start * InputSize)..((start + count) * InputSize)], Labels?[start..(start + count)], Classes,
            Targets?[(start * TargetSize)..((start + count) * TargetSize)], TargetSize) { Split = Split };

    public string ShapeText => "[" + string.Join(",", InputShape) + "]";

    string? contentHash;

    /// <summary>
    /// SHA-256 of the examples as loaded (shape, features, labels, targets): the key by which results computed on this
    /// set are reused, whatever its name or the path it was read from.
    /// </summary>
    public string ContentHash => contentHash ??= HashContent();

    string HashContent()
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Basin.Data.ContentHash.Append<int>(hash, [.. InputShape, Classes, TargetSize]);
        Basin.Data.ContentHash.Append<float>(hash, Features);
        Basin.Data.ContentHash.Append<int>(hash, Labels ?? []);
        Basin.Data.ContentHash.Append<float>(hash, Targets ?? []);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// A copy whose labels are replaced, for a seeded random subset of round(fraction x Count) examples, by labels
    /// drawn uniformly from all classes (Zhang et al. 2017's corruption: a drawn label may equal the true one).
    /// </summary>
    public DataSet WithRandomLabels(double fraction, ulong seed)
    {
        if (fraction is < 0 or > 1 || double.IsNaN(fraction))
            throw new BasinException("{random-labels}", $"{fraction} is not a fraction in [0, 1]");
        if (Labels is null) throw new BasinException("{random-labels}", $"{Name} has no class labels to corrupt");
        if (fraction == 0) return this;
        var rng = new Basin.Tensors.Rng(seed, 0x1ABE1);
        var order = rng.Permutation(Count);
        var labels = (int[])Labels.Clone();
        int corrupt = (int)Math.Round(fraction * Count);
        for (int i = 0; i < corrupt; i++) labels[order[i]] = rng.NextInt(Classes);
        return new DataSet(Name, InputShape, Features, labels, Classes, Targets, TargetSize) { Split = Split };
    }
}
