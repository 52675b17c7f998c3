namespace Basin.Engine;

/// <summary>One named tensor inside the flat parameter vector theta (PyTorch name and shape).</summary>
/// <remarks><paramref name="Layer"/> is the index of the top-level module holding it; <paramref name="IsNormalization"/> marks BatchNorm's weight and bias.</remarks>
public sealed record ParameterTensor(string Name, int[] Shape, int Offset, int Length, int Layer, bool IsBias, bool IsNormalization = false)
{
    /// <summary>A one-dimensional tensor (bias, BatchNorm weight or bias): what loss-landscape's directions treat apart.</summary>
    public bool IsOneDimensional => Shape.Length <= 1;

    public string ShapeText => "[" + string.Join(",", Shape) + "]";
}

/// <summary>
/// Names the pieces of theta: the tensors of every layer in layer order, weight before bias, row-major,
/// exactly as PyTorch's <c>parameters_to_vector(model.parameters())</c> for the matching nn.Sequential.
/// </summary>
public sealed class ParameterLayout
{
    public IReadOnlyList<ParameterTensor> Tensors { get; }
    public int Count { get; }

    /// <summary>The model state stored beside theta in the same files (BatchNorm's running statistics), never part of theta.</summary>
    internal ModelBuffers Buffers { get; }

    internal ParameterLayout(IReadOnlyList<ParameterTensor> tensors, ModelBuffers? buffers = null)
    {
        Tensors = tensors;
        Buffers = buffers ?? new ModelBuffers([]);
        Count = tensors.Count == 0 ? 0 : tensors[^1].Offset + tensors[^1].Length;
    }

    public ParameterTensor? Find(string name)
    {
        foreach (var t in Tensors)
            if (t.Name == name) return t;
        return null;
    }
}
