using System.Numerics;
using System.Numerics.Tensors;

namespace Basin.Engine;

/// <summary>
/// Reductions and updates over the rows of a batch-major block. Rows shorter than <see cref="Short"/> (a 10-class
/// output, say) take plain loops: a vectorized call per row of 10 costs several times the arithmetic it does.
/// </summary>
internal static class Rows<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    const int Short = 32;

    public static T Max(ReadOnlySpan<T> row)
    {
        if (row.Length >= Short) return TensorPrimitives.Max(row);
        T max = row[0];
        for (int j = 1; j < row.Length; j++) max = T.Max(max, row[j]);
        return max;
    }

    public static T Sum(ReadOnlySpan<T> row)
    {
        if (row.Length >= Short) return TensorPrimitives.Sum(row);
        T sum = T.Zero;
        foreach (var x in row) sum += x;
        return sum;
    }

    public static T Dot(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
    {
        if (a.Length >= Short) return TensorPrimitives.Dot(a, b);
        T sum = T.Zero;
        for (int j = 0; j < a.Length; j++) sum += a[j] * b[j];
        return sum;
    }

    /// <summary>y_i += b for every row y_i of the block.</summary>
    public static void AddToEach(ReadOnlySpan<T> b, Span<T> y, int batch)
    {
        int width = b.Length;
        for (int i = 0; i < batch; i++)
        {
            var row = y.Slice(i * width, width);
            if (width >= Short) TensorPrimitives.Add(row, b, row);
            else for (int j = 0; j < width; j++) row[j] += b[j];
        }
    }

    /// <summary>sum = the sum of the rows of the block.</summary>
    public static void SumOf(ReadOnlySpan<T> block, Span<T> sum, int batch)
    {
        int width = sum.Length;
        block[..width].CopyTo(sum);
        for (int i = 1; i < batch; i++)
        {
            var row = block.Slice(i * width, width);
            if (width >= Short) TensorPrimitives.Add(sum, row, sum);
            else for (int j = 0; j < width; j++) sum[j] += row[j];
        }
    }
}
