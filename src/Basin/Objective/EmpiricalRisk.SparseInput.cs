using Basin.Engine.Layers;
using Basin.Tensors;

namespace Basin.Objective;

// A first linear layer on data with many zeros (images on a blank background) skips them: every shard of the data
// gets a ZeroPattern before the first pass over the whole set, with its values packed in the order the two products
// read them (its column blocks' and its tiles', each about two thirds of the shard's size), and each pass packs the
// layer's weights (and the direction's) once for all its shards. The sparse products sum in another order than the dense
// ones, so an objective takes one path for all its passes: a pass gives the same bits whether it is the first or the
// hundredth (a resumed run logs what an uninterrupted one does).
// Minibatches (SGD) stay dense: arranging a pattern per minibatch cost what its products saved (measured).
public sealed partial class EmpiricalRisk<T>
{
    /// <summary>
    /// Whether a first linear layer skips the data's zero inputs (the default). Finding the patterns costs about two dense
    /// passes (~20 us an image on two cores), which pays back over a few passes; false keeps every pass dense, the cheaper
    /// choice for a single evaluation. Fixed for the objective's life, so its results never depend on what ran before.
    /// </summary>
    public bool SkipsZeroInputs { get; init; } = true;

    bool sparseChecked;
    ZeroPattern?[]? shardPatterns;
    T[][]? shardPacked;
    T[] weightPanels = [], directionPanels = [];
    ReadOnlyMemory<T> preparedWeights, preparedDirection;

    Linear<T>? InputLayer => Network.Layers.Length > 0 ? Network.Layers[0] as Linear<T> : null;

    /// <summary>Before a pass: patterns on first use, then the packed weights for this theta and the direction.</summary>
    void PrepareSparseInput(bool withWeights, bool withDirection)
    {
        preparedWeights = preparedDirection = ReadOnlyMemory<T>.Empty;
        if (minibatch) return;
        if (!sparseChecked) FindPatterns();
        if (shardPatterns is null) return;
        var layer = InputLayer!;
        if (weightPanels.Length == 0) { weightPanels = new T[layer.PanelLength]; directionPanels = new T[layer.PanelLength]; }
        preparedWeights = withWeights && PackOnTeam(theta, weightPanels) ? weightPanels : ReadOnlyMemory<T>.Empty;
        preparedDirection = withDirection && PackOnTeam(direction, directionPanels) ? directionPanels : ReadOnlyMemory<T>.Empty;
    }

    bool[] panelFinite = [];

    /// <summary>
    /// Packs the first layer's weights in <paramref name="source"/> (theta or the direction) into panels, a panel a worker
    /// (a strided transposition: ~90 us for 784 x 100 on one core); false when any is not finite.
    /// </summary>
    bool PackOnTeam(T[] source, T[] panels)
    {
        var layer = InputLayer!;
        int count = layer.PanelCount, threads = Math.Max(1, Math.Min(Threads, count));
        if (panelFinite.Length != count) panelFinite = new bool[count];
        Executor.Run(threads, new Panels(layer, source, panels, panelFinite, threads));
        foreach (bool finite in panelFinite)
            if (!finite) return false;
        return true;
    }

    /// <summary>The first layer's panels, worker t packing panels t, t + threads, ...; each panel's finiteness noted.</summary>
    readonly struct Panels(Linear<T> layer, T[] source, T[] panels, bool[] finite, int threads) : IWorkerBody
    {
        public void Run(int worker)
        {
            for (int q = worker; q < finite.Length; q += threads) finite[q] = layer.PackPanel(source.AsSpan(0, layer.ParameterCount), panels, q);
        }
    }

    /// <summary>The zero patterns and packed values a first pass would find first (for timing them).</summary>
    internal void PrepareZeroPatterns()
    {
        if (!sparseChecked) FindPatterns();
    }

    /// <summary>Patterns of every shard of the data (on the team), unless the first is too dense to gain (then none).</summary>
    void FindPatterns()
    {
        sparseChecked = true;
        if (InputLayer is null || !SkipsZeroInputs) return;
        int shards = (Count + BatchSize - 1) / BatchSize;
        var finder = new PatternFinder(this, new ZeroPattern?[shards], new T[shards][], 1, 0);
        finder.Find(0, workspaces[0]);
        if (finder.Patterns[0] is null) return;
        int threads = Math.Min(Threads, shards - 1);
        if (threads > 0) Executor.Run(threads, finder with { Threads = threads, First = 1 });
        shardPatterns = finder.Patterns;
        shardPacked = finder.Packed;
    }

    /// <summary>Each shard's pattern and its packed values (none when the shard is too dense), worker t taking shards First + t, + Threads, ...</summary>
    readonly record struct PatternFinder(EmpiricalRisk<T> Risk, ZeroPattern?[] Patterns, T[][] Packed, int Threads, int First) : IWorkerBody
    {
        public void Run(int worker)
        {
            for (int s = First + worker; s < Patterns.Length; s += Threads) Find(s, Risk.workspaces[worker]);
        }

        public void Find(int s, Engine.Workspace<T> ws)
        {
            int width = Risk.Network.InputSize, start = s * Risk.BatchSize, batch = Math.Min(Risk.BatchSize, Risk.Count - start);
            var x = Risk.Inputs(start, batch, ws).Span;
            Packed[s] = [];
            if ((Patterns[s] = ZeroPattern.Build<T>(x, batch, width, width)) is not { } pattern) return;
            Packed[s] = GC.AllocateUninitializedArray<T>(pattern.PackedLength);
            pattern.Pack<T>(x, width, Packed[s]);
        }
    }

    /// <summary>The zero pattern of a shard of the data (none for minibatches), or null.</summary>
    ZeroPattern? PatternOf(int shard) => minibatch ? null : shardPatterns?[shard];

    /// <summary>A shard's values packed for its pattern (empty when it has none).</summary>
    ReadOnlyMemory<T> PackedOf(int shard) => !minibatch && shardPacked is { } p ? p[shard] : ReadOnlyMemory<T>.Empty;

    void UsePanels(Engine.Workspace<T> ws)
    {
        ws.WeightPanels = preparedWeights;
        ws.DirectionPanels = preparedDirection;
    }
}
