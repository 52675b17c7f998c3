using System.Numerics;
using System.Runtime.Intrinsics;

namespace Basin.Tensors;

/// <summary>
/// The nonzero pattern of a block of rows of X (a data shard), arranged for the two products of a
/// first linear layer. For X W^T (<see cref="Gemm.MultiplyRowSparse{T}"/>) the rows are ordered so that similar
/// patterns share tiles of <see cref="TileRows"/>, and each tile lists the columns where any of its rows is nonzero.
/// For the weight gradient D^T X (<see cref="Gemm.MultiplyColumnSparse{T}"/>) each block of <see cref="TileRows"/>
/// consecutive columns lists the rows that are nonzero there. Images on a blank background (MNIST, Fashion-MNIST:
/// half the pixels are 0) leave about a third of either list empty, and the products skip those terms exactly.
/// </summary>
internal sealed class ZeroPattern
{
    public const int TileRows = 8;
    /// <summary>Above this share of active (tile, column) pairs the skipping does not repay the indexing.</summary>
    const double MaxActiveFraction = 0.8;

    public int Rows { get; }
    public double ActiveFraction { get; }
    /// <summary>Row indices, tile after tile.</summary>
    public int[] Order { get; }
    /// <summary>Tile t's active columns are Columns[TileStart[t] .. TileStart[t + 1]).</summary>
    public int[] TileStart { get; }
    public ushort[] Columns { get; }
    /// <summary>Rows nonzero in columns [8b, 8b + 8) are BlockRows[BlockStart[b] .. BlockStart[b + 1]), ascending.</summary>
    public int[] BlockStart { get; }
    public int[] BlockRows { get; }

    ZeroPattern(int rows, double activeFraction, int[] order, int[] tileStart, ushort[] columns, int[] blockStart, int[] blockRows)
    {
        Rows = rows; ActiveFraction = activeFraction; Order = order; TileStart = tileStart; Columns = columns;
        BlockStart = blockStart; BlockRows = blockRows;
    }

    /// <summary>The pattern of rows [0, rows) of a (row stride lda, k columns), or null when too dense to pay.</summary>
    public static ZeroPattern? Build<T>(ReadOnlySpan<T> a, int rows, int k, int lda) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Vector512.IsHardwareAccelerated || rows < TileRows || k > ushort.MaxValue) return null;
        int words = (k + 63) / 64, tiles = (rows + TileRows - 1) / TileRows, blocks = k / TileRows;
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
        var tileStart = new int[tiles + 1];
        var columns = new ushort[tiles * k];
        int used = 0;
        Span<ulong> union = stackalloc ulong[words];
        for (int t = 0; t < tiles; t++)
        {
            tileStart[t] = used;
            union.Clear();
            for (int i = t * TileRows; i < Math.Min(rows, (t + 1) * TileRows); i++)
            {
                var mask = masks.AsSpan(order[i] * words, words);
                for (int w = 0; w < words; w++) union[w] |= mask[w];
            }
            for (int w = 0; w < words; w++)
                for (ulong bits = union[w]; bits != 0; bits &= bits - 1)
                    columns[used++] = (ushort)(w * 64 + BitOperations.TrailingZeroCount(bits));
        }
        tileStart[tiles] = used;
        double active = (double)used / ((long)tiles * k);
        if (active > MaxActiveFraction) return null;
        // Rows by block of 8 columns (one byte of a mask): count, then place, row by row so each list ascends.
        var blockStart = new int[blocks + 1];
        for (int r = 0; r < rows; r++)
            for (int b = 0; b < blocks; b++)
                if (MaskByte(masks, r * words, b) != 0) blockStart[b + 1]++;
        for (int b = 0; b < blocks; b++) blockStart[b + 1] += blockStart[b];
        var blockRows = new int[blockStart[blocks]];
        var next = blockStart[..blocks];
        for (int r = 0; r < rows; r++)
            for (int b = 0; b < blocks; b++)
                if (MaskByte(masks, r * words, b) != 0) blockRows[next[b]++] = r;
        return new ZeroPattern(rows, active, order, tileStart, columns[..used], blockStart, blockRows);
    }

    static ulong MaskByte(ulong[] masks, int row, int block) => masks[row + (block >> 3)] >> ((block & 7) * 8) & 0xFF;

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
