namespace Basin.Engine;

/// <summary>
/// A tensor a layer declares: its name relative to the layer (<c>weight</c>, or a dotted path in a container:
/// <c>bn1.weight</c>) and shape. A normalization layer's affine tensors say so: they start at 1 and 0 and count as
/// one-dimensional for directions.
/// </summary>
internal sealed record TensorSpec(string Suffix, int[] Shape, bool Normalization = false)
{
    public TensorSpec Under(string prefix) => this with { Suffix = prefix + "." + Suffix };
}

/// <summary>A buffer a layer declares (BatchNorm's running statistics); a count is an I64 scalar (num_batches_tracked).</summary>
internal sealed record BufferSpec(string Suffix, int[] Shape, bool IsCount = false)
{
    public BufferSpec Under(string prefix) => this with { Suffix = prefix + "." + Suffix };
}
