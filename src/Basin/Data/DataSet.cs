namespace Basin.Data;

/// <summary>
/// Examples with class labels, real-valued targets, or both. Their features (Count x prod(InputShape) float32 values)
/// stay as they were stored: an image file's bytes are converted when a pass reads them (byte / 255f, then the set's
/// normalization), so a loaded set takes its file's size in memory, not four times it.
/// </summary>
public sealed class DataSet
{
    public string Name { get; }
    public int[] InputShape { get; }
    public int InputSize { get; }
    public int Count { get; }
    internal FeatureStore Features { get; }
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

    /// <param name="features">Count x prod(<paramref name="inputShape"/>) values, example after example.</param>
    public DataSet(string name, int[] inputShape, float[] features, int[]? labels, int classes, float[]? targets = null, int targetSize = 0)
        : this(name, inputShape, new FloatFeatures(features, SizeOf(name, inputShape)), labels, classes, targets, targetSize) { }

    internal DataSet(string name, int[] inputShape, FeatureStore features, int[]? labels, int classes, float[]? targets = null, int targetSize = 0)
    {
        Name = name;
        InputShape = inputShape;
        InputSize = SizeOf(name, inputShape);
        Count = features.Count;
        Features = features;
        Labels = labels;
        Classes = classes;
        Targets = targets;
        TargetSize = targetSize;
    }

    /// <summary>Values per example of the shape; an error unless 1 to 2^31 - 1.</summary>
    internal static int SizeOf(string name, int[] shape)
    {
        long size = 1;
        foreach (int d in shape) size = Math.Min(size * d, int.MaxValue + 1L);
        if (size is <= 0 or > int.MaxValue) throw new BasinException(name, $"examples of shape [{string.Join(",", shape)}] cannot be used", "each example needs 1 to 2^31 - 1 values");
        return (int)size;
    }

    /// <summary>
    /// The features of examples [first, first + count) as float32 (an image's bytes converted as a pass reads them),
    /// example after example, into <paramref name="destination"/>.
    /// </summary>
    public void CopyFeatures(int first, int count, Span<float> destination) => Features.CopyTo(first, count, destination);

    /// <summary>The first n examples in file order.</summary>
    public DataSet Take(int n)
    {
        if (n > Count)
            throw new BasinException("{n}", $"{n} examples asked but {Name} has only {Count}", $"use {{n}} {Count} or less");
        return n == Count ? this : Slice(0, n);
    }

    /// <summary>Examples start .. start + count - 1, in file order (a fixed minibatch).</summary>
    internal DataSet Slice(int start, int count) =>
        new(Name, InputShape, Features.Slice(start, count), Labels?[start..(start + count)], Classes,
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
        AppendFeatures(hash);
        Basin.Data.ContentHash.Append<int>(hash, Labels ?? []);
        Basin.Data.ContentHash.Append<float>(hash, Targets ?? []);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The features' float32 values, as <see cref="Basin.Data.ContentHash.Append{T}"/> would add one array of them, converted in chunks.</summary>
    void AppendFeatures(System.Security.Cryptography.IncrementalHash hash)
    {
        Basin.Data.ContentHash.AppendLength(hash, (long)Count * InputSize);
        int chunk = Math.Max(1, (1 << 16) / InputSize);
        var values = new float[Math.Min(chunk, Math.Max(1, Count)) * InputSize];
        for (int e = 0; e < Count; e += chunk)
        {
            int count = Math.Min(chunk, Count - e);
            Features.CopyTo(e, count, values);
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan(0, count * InputSize)));
        }
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
