using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Basin.Data;

/// <summary>
/// The inputs of a data set's examples as they are stored: float32 values, or the unsigned bytes of an image file,
/// converted to float32 only when a pass reads a range of examples.
/// </summary>
internal abstract class FeatureStore(int count, int size)
{
    public int Count { get; } = count;

    /// <summary>Values per example.</summary>
    public int Size { get; } = size;

    /// <summary>Examples [first, first + count) as float32 values, example after example.</summary>
    public abstract void CopyTo(int first, int count, Span<float> destination);

    /// <summary>Examples [first, first + count) without a copy when they are stored as float32, else empty.</summary>
    public virtual ReadOnlyMemory<float> Values(int first, int count) => ReadOnlyMemory<float>.Empty;

    public abstract FeatureStore Slice(int first, int count);

    /// <summary>Examples [first, first + count) in T: their float32 values, widened exactly for float64.</summary>
    public void CopyTo<T>(int first, int count, Span<T> destination) where T : unmanaged, INumberBase<T>
    {
        if (typeof(T) == typeof(float))
        {
            CopyTo(first, count, MemoryMarshal.Cast<T, float>(destination));
            return;
        }
        var values = ArrayPool<float>.Shared.Rent(Size);
        try
        {
            for (int e = 0; e < count; e++)
            {
                CopyTo(first + e, 1, values.AsSpan(0, Size));
                TensorPrimitives.ConvertChecked<float, T>(values.AsSpan(0, Size), destination.Slice(e * Size, Size));
            }
        }
        finally { ArrayPool<float>.Shared.Return(values); }
    }

    protected void Check(int first, int count, int destination)
    {
        if (first < 0 || count < 0 || first + count > Count) throw new ArgumentOutOfRangeException(nameof(count), $"examples [{first}, {first + count}) of {Count}");
        if (destination < (long)count * Size) throw new ArgumentException("the destination is too short", nameof(destination));
    }
}
