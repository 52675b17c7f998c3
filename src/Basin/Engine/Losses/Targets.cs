using System.Numerics;

namespace Basin.Engine.Losses;

/// <summary>What the outputs are compared with: class labels, real-valued targets, or both.</summary>
internal readonly struct Targets<T>(int[]? labels, T[]? values, int width) where T : unmanaged, IFloatingPointIeee754<T>
{
    public readonly int[]? Labels = labels;
    public readonly T[]? Values = values;
    public readonly int Width = width;

    /// <summary>Target row of example i: the given values, or the one-hot vector of its label.</summary>
    public void Row(int i, Span<T> row)
    {
        if (Values is not null) { Values.AsSpan(i * Width, Width).CopyTo(row); return; }
        row.Clear();
        row[Labels![i]] = T.One;
    }
}
