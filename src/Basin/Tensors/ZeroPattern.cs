using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Basin.Tensors;

/// <summary>
/// The nonzero pattern of a block of rows of X (a data shard), arranged for the two products of a
/// first linear layer. For X W^T (<see cref="Gemm.MultiplyRowSparse{T}"/>) the rows are ordered so that similar
/// patterns share tiles of <see cref="TileRows"/>, and each tile lists the columns where any of its rows is nonzero.
/// For the weight gradient D^T X (<see cref="Gemm.MultiplyColumnSparse{T}"/>) the columns are grouped, similar ones
/// together, into blocks of <see cref="TileRows"/>, and each block lists the rows that are nonzero there; the
/// block's values (and each tile's) are packed once (<see cref="Pack{T}"/>) so that the products read them in one stream. Images on a
/// blank background (MNIST, Fashion-MNIST: half the pixels are 0) leave a third of either list empty, and the
/// products skip those terms exactly.
/// </summary>
internal sealed class ZeroPattern
{
    public const int TileRows = 8;
    /// <summary>Above this share of active (tile, column) pairs the skipping does not repay the indexing.</summary>
    const double MaxActiveFraction = 0.8;
    /// <summary>Rows are described for their grouping by their nonzero counts in runs of this many columns.</summary>
    const int DescriptorRun = 16;
    const ulong RunMask = (1UL << DescriptorRun) - 1;

    public int Rows { get; }
    public double ActiveFraction { get; }
    /// <summary>Row indices, tile after tile.</summary>
    public int[] Order { get; }
    /// <summary>Tile t's active columns are Columns[TileStart[t] .. TileStart[t + 1]).</summary>
    public int[] TileStart { get; }
    public ushort[] Columns { get; }
    /// <summary>Block b is the columns BlockColumns[8b .. 8b + 8); together they are [0, k / 8 * 8) in some order.</summary>
    public ushort[] BlockColumns { get; }
    /// <summary>Rows nonzero in block b's columns are BlockRows[BlockStart[b] .. BlockStart[b + 1]), ascending.</summary>
    public int[] BlockStart { get; }
    public int[] BlockRows { get; }

    ZeroPattern(int rows, double activeFraction, int[] order, int[] tileStart, ushort[] columns, ushort[] blockColumns, int[] blockStart, int[] blockRows)
    {
        Rows = rows; ActiveFraction = activeFraction; Order = order; TileStart = tileStart; Columns = columns;
        BlockColumns = blockColumns; BlockStart = blockStart; BlockRows = blockRows;
    }

    /// <summary>Values <see cref="Pack{T}"/> writes for the column blocks (the tiles' values follow them).</summary>
    public int BlockValues => BlockRows.Length * TileRows;

    /// <summary>Length of <see cref="Pack{T}"/>'s output.</summary>
    public int PackedLength => BlockValues + Columns.Length * TileRows;

    /// <summary>
    /// The values of the matrix the pattern describes (row stride lda) in the order the two products read them, TileRows
    /// at a time (the layout of a packed micro-kernel panel): first for every block, its listed rows' values in its
    /// columns; then for every tile, its rows' values in each of its listed columns (a short last tile repeating its last
    /// row, as <see cref="Gemm.MultiplyRowSparse{T}"/> does).
    /// </summary>
    public void Pack<T>(ReadOnlySpan<T> a, int lda, Span<T> packed) where T : unmanaged
    {
        int at = 0;
        for (int b = 0; b < BlockStart.Length - 1; b++)
        {
            var columns = BlockColumns.AsSpan(b * TileRows, TileRows);
            for (int q = BlockStart[b]; q < BlockStart[b + 1]; q++)
            {
                var row = a.Slice(BlockRows[q] * lda);
                foreach (var c in columns) packed[at++] = row[c];
            }
        }
        for (int t = 0; t < TileStart.Length - 1; t++)
        {
            int first = t * TileRows, count = Math.Min(TileRows, Rows - first);
            for (int q = TileStart[t]; q < TileStart[t + 1]; q++)
                for (int r = 0; r < TileRows; r++) packed[at++] = a[Order[first + Math.Min(r, count - 1)] * lda + Columns[q]];
        }
    }

    /// <summary>The pattern of rows [0, rows) of a (row stride lda, k columns), or null when too dense to pay.</summary>
    public static ZeroPattern? Build<T>(ReadOnlySpan<T> a, int rows, int k, int lda) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Vector512.IsHardwareAccelerated || rows < TileRows || k > ushort.MaxValue) return null;
        int words = (k + 63) / 64, tiles = (rows + TileRows - 1) / TileRows, blocks = k / TileRows;
        var masks = new ulong[rows * words];
        for (int r = 0; r < rows; r++) Mark(a.Slice(r * lda, k), masks.AsSpan(r * words, words));
        // Rows grouped by where they are nonzero: their counts in runs of columns, split along principal directions.
        int runs = (k + DescriptorRun - 1) / DescriptorRun;
        var rowCounts = new float[rows * runs];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < runs; j++)
                rowCounts[r * runs + j] = BitOperations.PopCount(masks[r * words + j * DescriptorRun / 64] >> (j * DescriptorRun % 64) & RunMask);
        var order = Enumerable.Range(0, rows).ToArray();
        PrincipalTree(rowCounts, runs, order, TileRows);
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
        // Columns grouped likewise, described by their counts in each tile of rows.
        int grouped = blocks * TileRows;
        var columnCounts = new float[grouped * tiles];
        for (int i = 0; i < rows; i++)
            foreach (int p in SetBits(masks.AsSpan(order[i] * words, words)))
                if (p < grouped) columnCounts[p * tiles + i / TileRows]++;
        var columnOrder = Enumerable.Range(0, grouped).ToArray();
        PrincipalTree(columnCounts, tiles, columnOrder, TileRows);
        var blockColumns = new ushort[grouped];
        var blockOf = new int[grouped];
        for (int q = 0; q < grouped; q++) { blockColumns[q] = (ushort)columnOrder[q]; blockOf[columnOrder[q]] = q / TileRows; }
        // Rows by block: count, then place, row by row so each list ascends.
        var blockStart = new int[blocks + 1];
        var inBlock = new bool[rows * blocks];
        for (int r = 0; r < rows; r++)
            foreach (int p in SetBits(masks.AsSpan(r * words, words)))
                if (p < grouped && !inBlock[r * blocks + blockOf[p]])
                {
                    inBlock[r * blocks + blockOf[p]] = true;
                    blockStart[blockOf[p] + 1]++;
                }
        for (int b = 0; b < blocks; b++) blockStart[b + 1] += blockStart[b];
        var blockRows = new int[blockStart[blocks]];
        var next = blockStart[..blocks];
        for (int r = 0; r < rows; r++)
            for (int b = 0; b < blocks; b++)
                if (inBlock[r * blocks + b]) blockRows[next[b]++] = r;
        return new ZeroPattern(rows, active, order, tileStart, columns[..used], blockColumns, blockStart, blockRows);
    }

    /// <summary>The positions of the set bits of a mask, ascending.</summary>
    static List<int> SetBits(ReadOnlySpan<ulong> mask)
    {
        var bits = new List<int>();
        for (int w = 0; w < mask.Length; w++)
            for (ulong word = mask[w]; word != 0; word &= word - 1) bits.Add(w * 64 + BitOperations.TrailingZeroCount(word));
        return bits;
    }

    /// <summary>
    /// Orders items (rows of <paramref name="descriptors"/>, each of length d) so that similar ones sit together: sorts
    /// them by their projection on the principal direction of their centred descriptors (three power iterations are
    /// as good as seven here), then each half (in whole groups) again, down to single groups.
    /// </summary>
    static void PrincipalTree(float[] descriptors, int d, Span<int> items, int group)
    {
        if (items.Length <= group) return;
        var centred = new double[items.Length * d];
        var mean = new double[d];
        for (int q = 0; q < items.Length; q++)
            for (int j = 0; j < d; j++) mean[j] += centred[q * d + j] = descriptors[items[q] * d + j];
        TensorPrimitives.Divide(mean, items.Length, mean);
        for (int q = 0; q < items.Length; q++) TensorPrimitives.Subtract(centred.AsSpan(q * d, d), mean, centred.AsSpan(q * d, d));
        var direction = Enumerable.Repeat(1 / Math.Sqrt(d), d).ToArray();
        var next = new double[d];
        var projection = new double[items.Length];
        for (int iteration = 0; iteration < 3; iteration++)
        {
            Array.Clear(next);
            for (int q = 0; q < items.Length; q++)
            {
                var x = centred.AsSpan(q * d, d);
                projection[q] = TensorPrimitives.Dot(x, direction);
                TensorPrimitives.MultiplyAdd(x, projection[q], next, next);
            }
            double norm = TensorPrimitives.Norm(next);
            if (norm == 0) break;
            TensorPrimitives.Divide(next, norm, direction);
        }
        projection.AsSpan().Sort(items);
        int half = (items.Length / 2 + group - 1) / group * group;
        PrincipalTree(descriptors, d, items[..half], group);
        PrincipalTree(descriptors, d, items[half..], group);
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
