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

    public DataSet(string name, int[] inputShape, float[] features, int[]? labels, int classes, float[]? targets = null, int targetSize = 0)
    {
        Name = name;
        InputShape = inputShape;
        InputSize = 1;
        foreach (int d in inputShape) InputSize *= d;
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
            throw new BasinException("--n", $"{n} examples asked but {Name} has only {Count}", $"use --n {Count} or less");
        if (n == Count) return this;
        return new DataSet(Name, InputShape, Features[..(n * InputSize)], Labels?[..n], Classes,
            Targets?[..(n * TargetSize)], TargetSize);
    }

    public string ShapeText => "[" + string.Join(",", InputShape) + "]";
}
