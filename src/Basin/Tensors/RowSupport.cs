using System.Numerics;
using System.Runtime.Intrinsics;

namespace Basin.Tensors;

/// <summary>
/// The nonzero pattern of a block of rows of A, arranged for <see cref="Gemm.MultiplyRowSparse{T}"/>: the rows are
/// ordered so that similar patterns share tiles of <see cref="TileRows"/>, and each tile lists the columns where
/// any of its rows is nonzero. Images on a blank background (MNIST, Fashion-MNIST: half the pixels are 0) leave
/// a third of every tile's columns empty, and a product can skip them exactly.
/// </summary>
internal sealed class RowSupport
{
    public const int TileRows = 8;
    /// <summary>Above this share of active (tile, column) pairs the skipping does not repay the indexing.</summary>
    const double MaxActiveFraction = 0.8;

    public int Rows { get; }
    /// <summary>Row indices, tile after tile.</summary>
    public int[] Order { get; }
    /// <summary>Tile t's active columns are Columns[TileStart[t] .. TileStart[t + 1]).</summary>
    public int[] TileStart { get; }
    public ushort[] Columns { get; }
    public double ActiveFraction { get; }

    RowSupport(int rows, int[] order, int[] tileStart, ushort[] columns, double activeFraction)
    {
        Rows = rows; Order = order; TileStart = tileStart; Columns = columns; ActiveFraction = activeFraction;
    }

    /// <summary>The support of rows [0, rows) of a (row stride lda, k columns), or null when too dense to pay.</summary>
    public static RowSupport? Build<T>(ReadOnlySpan<T> a, int rows, int k, int lda) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Vector512.IsHardwareAccelerated || rows < TileRows || k > ushort.MaxValue) return null;
        int words = (k + 63) / 64;
        var masks = new ulong[rows * words];
        var keys = new long[rows];
        var order = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            var mask = masks.AsSpan(r * words, words);
            Mark(a.Slice(r * lda, k), mask);
            int count = 0, first = k;
            for (int w = words - 1; w >= 0; w--)
            {
                count += BitOperations.PopCount(mask[w]);
                if (mask[w] != 0) first = w * 64 + BitOperations.TrailingZeroCount(mask[w]);
            }
            // Similar rows first: by the first nonzero column (where an image's content starts), then by size.
            keys[r] = (long)first * (k + 1) + count;
            order[r] = r;
        }
        Array.Sort(keys, order);
        int tiles = (rows + TileRows - 1) / TileRows;
        var tileStart = new int[tiles + 1];
        var columns = new List<ushort>(rows * k / TileRows);
        var union = new ulong[words];
        for (int t = 0; t < tiles; t++)
        {
            tileStart[t] = columns.Count;
            Array.Clear(union);
            for (int i = t * TileRows; i < Math.Min(rows, (t + 1) * TileRows); i++)
            {
                var mask = masks.AsSpan(order[i] * words, words);
                for (int w = 0; w < words; w++) union[w] |= mask[w];
            }
            for (int w = 0; w < words; w++)
                for (ulong bits = union[w]; bits != 0; bits &= bits - 1)
                    columns.Add((ushort)(w * 64 + BitOperations.TrailingZeroCount(bits)));
        }
        tileStart[tiles] = columns.Count;
        double active = (double)columns.Count / ((long)tiles * k);
        return active > MaxActiveFraction ? null : new RowSupport(rows, order, tileStart, columns.ToArray(), active);
    }

    /// <summary>Sets bit p of mask for every nonzero row[p], a vector of comparisons at a time.</summary>
    static void Mark<T>(ReadOnlySpan<T> row, Span<ulong> mask) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int v = Vector512<T>.Count, p = 0;
        for (; p <= row.Length - v; p += v)
        {
            ulong nonzero = ~Vector512.Equals(Vector512.Create(row.Slice(p, v)), Vector512<T>.Zero).ExtractMostSignificantBits() & ((1UL << v) - 1);
            mask[p >> 6] |= nonzero << (p & 63);
        }
        for (; p < row.Length; p++)
            if (row[p] != T.Zero) mask[p >> 6] |= 1UL << p;
    }
}
