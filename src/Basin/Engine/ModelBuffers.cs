namespace Basin.Engine;

/// <summary>One named buffer beside theta: its state_dict name, shape and place in <see cref="ModelBuffers"/>.</summary>
internal sealed record BufferTensor(string Name, int[] Shape, int Offset, int Length, bool IsCount)
{
    public string ShapeText => "[" + string.Join(",", Shape) + "]";
}

/// <summary>
/// A network's model state that is not a parameter: BatchNorm's running mean and variance (float64 values) and
/// num_batches_tracked (I64 counts), and the mode the next pass runs in. Directions, perturbations, interpolation,
/// Hessians and parameter counts never see these; the safetensors files carry them beside theta.
/// </summary>
internal sealed class ModelBuffers
{
    /// <summary>Examples per train-mode batch when the statistics are recomputed at a point (update_bn's loader).</summary>
    internal const int RecomputeBatch = 128;

    public IReadOnlyList<BufferTensor> Tensors { get; }
    public double[] Values { get; }
    public long[] Counts { get; }

    /// <summary>
    /// Train mode: BatchNorm normalizes by the batch's statistics and updates the running ones. Off (eval mode) for every
    /// analysis; only a training step turns it on.
    /// </summary>
    internal bool Training { get; set; }

    /// <summary>Running statistics average every batch equally (PyTorch's momentum=None), for recomputing them at a point.</summary>
    internal bool Cumulative { get; set; }

    public bool IsEmpty => Tensors.Count == 0;

    /// <summary>BatchNorm's starting state: means 0, variances 1, no batches counted.</summary>
    public void Reset()
    {
        foreach (var t in Tensors)
            if (!t.IsCount) Values.AsSpan(t.Offset, t.Length).Fill(t.Name.EndsWith("running_var", StringComparison.Ordinal) ? 1 : 0);
        Array.Clear(Counts);
    }

    internal ModelBuffers(IReadOnlyList<BufferTensor> tensors)
    {
        Tensors = tensors;
        Values = new double[tensors.Where(t => !t.IsCount).Sum(t => t.Length)];
        Counts = new long[tensors.Count(t => t.IsCount)];
    }

    public BufferTensor? Find(string name) => Tensors.FirstOrDefault(t => t.Name == name);

    /// <summary>Copies another network's buffers of the same layout (a checkpoint's, a point's).</summary>
    public void CopyFrom(ModelBuffers other)
    {
        other.Values.CopyTo(Values, 0);
        other.Counts.CopyTo(Counts, 0);
    }
}
