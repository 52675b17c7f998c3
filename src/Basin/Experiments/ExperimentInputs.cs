using Basin.Data;

namespace Basin.Experiments;

/// <summary>
/// What an experiment studies besides its parameters: a data set by name (the embedded Fashion-MNIST subset unless
/// given), the folder to read it from, and a network given in place of the experiment's own where the paper allows one.
/// </summary>
internal sealed record ExperimentInputs(string Data, string? DataDir, string? Model)
{
    public static ExperimentInputs Default { get; } = new(DataCatalog.Embedded, null, null);

    /// <summary>Where the first <paramref name="n"/> examples of a split (all when null) come from.</summary>
    public DataSource Source(string split, int? n = null) => new(Data, split, DataDir, n);

    /// <summary>The first <paramref name="n"/> examples of a split (all when null).</summary>
    public DataSet Load(string split, int? n = null) => Source(split, n).Load();

    /// <summary>The channels, height and width of image examples; an error for examples of another shape.</summary>
    public static (int Channels, int Height, int Width) Image(DataSet data, string experiment) => data.InputShape is [int c, int h, int w]
        ? (c, h, w)
        : throw new BasinException("{data}", $"{experiment} studies images (channels, height, width) but {data.Name} examples have shape {data.ShapeText}",
            "use an image set: fashion-mnist, mnist, cifar10 or the embedded fashion-mnist-mini");
}
