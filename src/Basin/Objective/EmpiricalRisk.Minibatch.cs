using System.Numerics;
using Basin.Engine;
using Basin.Engine.Losses;
using Basin.Tensors;

namespace Basin.Objective;

/// <summary>
/// The risk's minibatch passes: a training step's gradient over gathered examples (in train mode with BatchNorm, the
/// minibatch one shard; augmented when asked), and BatchNorm's running statistics recomputed at a point (update_bn).
/// </summary>
public sealed partial class EmpiricalRisk<T>
{
    /// <summary>
    /// The gradient of the mean loss over the examples at <paramref name="indices"/> (a minibatch, gathered
    /// into buffers reused from call to call); returns that minibatch's mean loss.
    /// </summary>
    public double MinibatchGradient(ReadOnlySpan<T> theta, ReadOnlySpan<int> indices, Span<T> gradient) => Remote is IRemoteMinibatch
        ? RemoteMinibatchGradient(theta, indices, gradient, null, 0)
        : MinibatchGradient(theta, indices, gradient, null, 0);

    /// <summary>The minibatch gradient with every gathered image augmented for training step <paramref name="step"/>.</summary>
    internal double MinibatchGradient(ReadOnlySpan<T> theta, ReadOnlySpan<int> indices, Span<T> gradient, Data.Augmentation? augment, long step) =>
        Minibatch(Pass.Gradient, theta, indices, gradient, augment, step, train: !Network.Buffers.IsEmpty);

    /// <summary>
    /// The gradient of the mean loss over the examples at <paramref name="indices"/> as an analysis takes it: in eval mode
    /// (BatchNorm by its running statistics, the examples in shards), where a training step's is in train mode.
    /// </summary>
    internal double EvalModeGradient(ReadOnlySpan<T> theta, ReadOnlySpan<int> indices, Span<T> gradient) =>
        Minibatch(Pass.Gradient, theta, indices, gradient, null, 0, train: false);

    /// <summary>
    /// The minibatch gradient and mean loss from the sums of <see cref="Remote"/> (a GPU holding the data), scaled by 1/n
    /// and given the l2 term as the passes here are; with BatchNorm (train mode) the running statistics move toward the
    /// batch's, as a step here moves them; with <paramref name="augment"/> the images are augmented for step
    /// <paramref name="step"/> as here, the remote applying the crops and flips drawn here.
    /// </summary>
    internal double RemoteMinibatchGradient(ReadOnlySpan<T> theta, ReadOnlySpan<int> indices, Span<T> gradient, Data.Augmentation? augment, long step)
    {
        var sums = new double[Dimension];
        var statistics = new double[Network.Buffers.Values.Length];
        double loss = ((IRemoteMinibatch)Remote!).SumGradient(Numbers.ToDouble<T>(theta), indices.ToArray(), sums, statistics,
            augment?.Crops(step, indices.Length));
        if (!Network.Buffers.IsEmpty) Network.TrackBatchStatistics(statistics, indices.Length);
        T scale = T.One / T.CreateChecked(indices.Length), l2 = T.CreateChecked(L2);
        double sq = 0;
        for (int j = 0; j < Dimension; j++)
        {
            gradient[j] = T.CreateTruncating(sums[j]) * scale + l2 * theta[j];
            sq += double.CreateTruncating(theta[j] * theta[j]);
        }
        return loss / indices.Length + (L2 == 0 ? 0 : 0.5 * L2 * sq);
    }

    /// <summary>
    /// BatchNorm's running statistics recomputed at theta: reset, then one train-mode pass per shard of the data in file
    /// order, each batch weighted equally (PyTorch's momentum=None cumulative average, as update_bn does).
    /// </summary>
    internal void RecomputeRunningStatistics(ReadOnlySpan<T> theta)
    {
        var buffers = Network.Buffers;
        if (buffers.IsEmpty) return;
        buffers.Reset();
        buffers.Cumulative = true;
        try
        {
            var order = new int[Count];
            for (int i = 0; i < order.Length; i++) order[i] = i;
            for (int start = 0; start < Count; start += BatchSize)
                Minibatch(Pass.Loss, theta, order.AsSpan(start, Math.Min(BatchSize, Count - start)), Span<T>.Empty, null, 0, train: true);
        }
        finally { buffers.Cumulative = false; }
    }

    double Minibatch(Pass pass, ReadOnlySpan<T> theta, ReadOnlySpan<int> indices, Span<T> gradient, Data.Augmentation? augment, long step, bool train)
    {
        augmentation = augment;
        augmentStep = step;
        int n = indices.Length, width = Network.InputSize;
        if (n == 0) throw new ArgumentException("empty minibatch", nameof(indices));
        if (batchFeatures.Length < n * width)
        {
            batchFeatures = new T[n * width];
            batchLabels = Data.Labels is null ? null : new int[n];
            batchValues = targets.Values is null ? null : new T[n * targets.Width];
        }
        if (batchIndices.Length < n) batchIndices = new int[n];
        for (int i = 0; i < n; i++)
        {
            int e = indices[i];
            if ((uint)e >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"example {e} of {Count}");
            batchIndices[i] = e;
        }
        if (train && n > BatchSize)
            throw new BasinException("model", $"BatchNorm normalizes by the statistics of the whole minibatch, so its {n} examples must be one shard, not shards of {BatchSize}",
                "give {shard} at least the {batch} size");
        minibatch = true;
        activeTargets = new Targets<T>(batchLabels, batchValues, targets.Width);
        activeCount = n;
        try
        {
            if (shardSum.Length < Shards) { shardSum = new double[Shards]; shardCorrect = new int[Shards]; }
            trainMode = train;
            return Run(pass, theta, default, gradient).Loss;
        }
        finally
        {
            trainMode = false;
            augmentation = null;
            minibatch = false;
            activeTargets = targets;
            activeCount = Count;
        }
    }

    /// <summary>
    /// Copies examples [start, start + batch) of the minibatch into the batch buffers: each shard gathers its own rows,
    /// on its own thread (random rows of a large set are a memory-latency-bound copy).
    /// </summary>
    void GatherMinibatch(int start, int batch)
    {
        T[]? scratch = null;
        int width = Network.InputSize;
        for (int i = start; i < start + batch; i++)
        {
            int e = batchIndices[i];
            features.CopyTo(e, 1, batchFeatures.AsSpan(i * width, width));
            augmentation?.Apply(batchFeatures.AsSpan(i * width, width), augmentStep, i, scratch ??= new T[width]);
            if (batchLabels is not null) batchLabels[i] = Data.Labels![e];
            if (batchValues is not null) targets.Values.AsSpan(e * targets.Width, targets.Width).CopyTo(batchValues.AsSpan(i * targets.Width));
        }
    }
}
