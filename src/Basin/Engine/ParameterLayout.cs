namespace Basin.Engine;

/// <summary>One named tensor inside the flat parameter vector theta (PyTorch name and shape).</summary>
public sealed record ParameterTensor(string Name, int[] Shape, int Offset, int Length, int Layer, bool IsBias)
{
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

    internal ParameterLayout(IReadOnlyList<ParameterTensor> tensors)
    {
        Tensors = tensors;
        Count = tensors.Count == 0 ? 0 : tensors[^1].Offset + tensors[^1].Length;
    }

    public ParameterTensor? Find(string name)
    {
        foreach (var t in Tensors)
            if (t.Name == name) return t;
        return null;
    }
}
