using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Basin.Tensors;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// C[m,n] = A[m,k] B[n,k]^T (a linear layer's X W^T) where <paramref name="pattern"/> describes A's zeros: each tile
    /// of 8 rows runs only over the columns some of its rows use, so the sums are A B^T's without their zero terms.
    /// <paramref name="packed"/> holds B's rows already packed by <see cref="PackTransposed{T}"/> (once for many
    /// products), or is empty. A non-finite B takes the dense product, which keeps 0 x inf = NaN as PyTorch does.
    /// </summary>
    public static void MultiplyRowSparse<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, ZeroPattern pattern,
        ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, ReadOnlySpan<T> packed = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = MicroTile.For<T>();
        int nr = shape.NR, main = n / nr * nr;
        if (pattern.Rows != m) throw new ArgumentException($"the pattern has {pattern.Rows} rows, A has {m}", nameof(pattern));
        if (packed.IsEmpty && shape.Wide && main > 0)
        {
            var buffer = PackBuffers<T>.B(PackedLength<T>(n, k)).AsSpan(0, PackedLength<T>(n, k));
            if (PackTransposed(b, ldb, n, k, buffer)) packed = buffer;
        }
        if (!shape.Wide || main == 0 || packed.IsEmpty)
        {
            Multiply(false, true, m, n, k, a, lda, b, ldb, c, ldc, false);
            return;
        }
        bool dotTail = n - main <= DotTailColumns && k >= DotTailMinK;
        fixed (T* pa = a, pb = b, pc = c, panels = packed)
        fixed (int* order = pattern.Order, start = pattern.TileStart)
        fixed (ushort* columns = pattern.Columns)
        {
            T** rows = stackalloc T*[ZeroPattern.TileRows];
            T** outs = stackalloc T*[ZeroPattern.TileRows];
            T* sums = stackalloc T[16];
            int tiles = pattern.TileStart.Length - 1;
            for (int t = 0; t < tiles; t++)
            {
                // A short last tile repeats its last row: the copies compute and store the same values.
                int first = t * ZeroPattern.TileRows, count = Math.Min(ZeroPattern.TileRows, m - first);
                for (int r = 0; r < ZeroPattern.TileRows; r++)
                {
                    int row = order[first + Math.Min(r, count - 1)];
                    rows[r] = pa + (long)row * lda;
                    outs[r] = pc + (long)row * ldc;
                }
                for (int j = 0; j < main; j += nr)
                    Kernel512(start[t + 1] - start[t], new ListedColumns(columns + start[t]), rows, 1, panels + (long)j * k, nr, outs, j, false);
                // A few last columns: dot products over the tile's rows while they are in L1 (as Multiply's DotTail).
                for (int r = 0; dotTail && r < ZeroPattern.TileRows; r += 4)
                    DotColumns(k, rows + r, outs + r, 4, pb, ldb, main, n - main, false, sums);
            }
        }
        if (main < n && !dotTail) Multiply(false, true, m, n - main, k, a, lda, b[(main * ldb)..], ldb, c[main..], ldc, false);
    }

    /// <summary>Rows of B in one of <see cref="PackTransposed{T}"/>'s panels.</summary>
    public static int PanelRows<T>() where T : unmanaged => MicroTile.For<T>().NR;

    /// <summary>Length of <see cref="PackTransposed{T}"/>'s panels for the first n rows of a B with k columns.</summary>
    public static int PackedLength<T>(int n, int k) where T : unmanaged => n / MicroTile.For<T>().NR * MicroTile.For<T>().NR * k;

    /// <summary>
    /// Packs the full NR-wide panels of B^T from rows [0, n) of B (row stride ldb) for <see cref="MultiplyRowSparse{T}"/>;
    /// false, with the panels unusable, if any value is not finite.
    /// </summary>
    public static bool PackTransposed<T>(ReadOnlySpan<T> b, int ldb, int n, int k, Span<T> panels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nr = MicroTile.For<T>().NR, columns = n / nr * nr;
        if (panels.Length < columns * k) throw new ArgumentException("panels too short", nameof(panels));
        bool finite = true;
        fixed (T* pb = b, pp = panels)
        {
            // p outer: each panel row is written in one sweep from nr row streams of B.
            T** rows = stackalloc T*[nr];
            for (int j0 = 0; j0 < columns; j0 += nr)
            {
                for (int jj = 0; jj < nr; jj++) rows[jj] = pb + (long)(j0 + jj) * ldb;
                T* to = pp + (long)j0 * k;
                for (int p = 0; p < k; p++, to += nr)
                    for (int jj = 0; jj < nr; jj++) to[jj] = rows[jj][p];
            }
            // A sum is finite only if every term is (an overflow just takes the dense product).
            for (int j = 0; j < columns; j++) finite &= T.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(new ReadOnlySpan<T>(pb + (long)j * ldb, k)));
        }
        return finite;
    }

    /// <summary>
    /// C[m,n] = A[k,m]^T B[k,n] (a linear layer's weight gradient D^T X) where <paramref name="pattern"/> describes B's
    /// zeros: tiles of a block of 8 columns of B by NR columns of A (the last m mod NR by <see cref="ColumnTail{T}"/>)
    /// run over only the rows of B nonzero in the block, and are written to C^T, then transposed into C. <paramref name="blocks"/> holds B's blocks packed by
    /// <see cref="ZeroPattern.PackBlocks{T}"/> (once for many products), or is empty. Short blocks of rows
    /// (minibatches) and a non-finite A take the dense product (the transposition would not pay; 0 x inf = NaN).
    /// </summary>
    public static void MultiplyColumnSparse<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, ZeroPattern pattern,
        ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, ReadOnlySpan<T> blocks = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = MicroTile.For<T>();
        const int block = ZeroPattern.TileRows;
        int nr = shape.NR, mMain = m / nr * nr, nMain = n / block * block;
        if (pattern.Rows != k) throw new ArgumentException($"the pattern has {pattern.Rows} rows, B has {k}", nameof(pattern));
        if (!shape.Wide || nMain == 0 || k < ColumnSparseMinRows || !T.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(a[..((k - 1) * lda + m)])))
        {
            Multiply(true, false, m, n, k, a, lda, b, ldb, c, ldc, false);
            return;
        }
        if (blocks.IsEmpty)
        {
            var buffer = PackBuffers<T>.Blocks(pattern.PackedLength).AsSpan(0, pattern.PackedLength);
            pattern.PackBlocks(b, ldb, buffer);
            blocks = buffer;
        }
        // The last m mod NR columns of A (rows of C) for the tail kernel: each of A's values repeated once per column of
        // a block, so one vector holds v / 8 outputs of all 8 columns.
        int v = Vector512<T>.Count, tail = m - mMain, perVector = v / block, tailVectors = (tail + perVector - 1) / perVector;
        int ldt = mMain + tailVectors * perVector, repeatedWidth = tailVectors * v;
        var repeated = PackBuffers<T>.Tail(k * repeatedWidth);
        for (int i = 0; tail > 0 && i < k; i++)
        {
            var row = repeated.AsSpan(i * repeatedWidth, repeatedWidth);
            for (int o = 0; o < tailVectors * perVector; o++) row.Slice(o * block, block).Fill(o < tail ? a[i * lda + mMain + o] : T.Zero);
        }
        // Tiles go to C^T (row stride ldt) in whole vectors, transposed into C at the end: scattered scalar stores
        // into C cost more than the one transposition.
        var transposed = PackBuffers<T>.Transposed(nMain * ldt);
        fixed (T* pa = a, pc = c, packed = blocks, pt = repeated, ct = transposed)
        fixed (int* start = pattern.BlockStart, rows = pattern.BlockRows)
        fixed (ushort* columns = pattern.BlockColumns)
        {
            // A tile of C^T is a micro-kernel tile whose 8 "rows" are the block's 8 columns (packed: 8 values a row of
            // B) and whose "B" is A (row i at pa + i * lda), over only the listed rows i.
            T** columnsOfB = stackalloc T*[block];
            T** rowsOfCt = stackalloc T*[block];
            T* sums = stackalloc T[ColumnTailVectors * v];
            for (int q = 0; q < nMain / block; q++)
            {
                int count = start[q + 1] - start[q];
                var listed = new PackedRows(rows + start[q]);
                for (int r = 0; r < block; r++)
                {
                    columnsOfB[r] = packed + (long)start[q] * block + r;
                    rowsOfCt[r] = ct + (long)columns[q * block + r] * ldt;
                }
                for (int j = 0; j < mMain; j += nr) Kernel512(count, listed, columnsOfB, block, pa + j, lda, rowsOfCt, j, false);
                for (int u = 0; u < tailVectors; u += ColumnTailVectors)
                {
                    int vectors = Math.Min(ColumnTailVectors, tailVectors - u);
                    ColumnTail(count, rows + start[q], columnsOfB[0], pt + u * v, repeatedWidth, vectors, sums);
                    for (int lane = 0; lane < vectors * v; lane++)
                        rowsOfCt[lane % block][mMain + (u * perVector + lane / block)] = sums[lane];
                }
            }
            // Row by row: C's rows are written in one sequential stream each (C is cold; C^T was just written).
            for (int i = 0; i < m; i++)
            {
                T* to = pc + (long)i * ldc, from = ct + i;
                for (int p = 0; p < nMain; p++) to[p] = from[(long)p * ldt];
            }
        }
        if (nMain < n) Multiply(true, false, m, n - nMain, k, a, lda, b[nMain..], ldb, c[nMain..], ldc, false);
    }

    const int ColumnSparseMinRows = 128;
    const int ColumnTailVectors = 4;

    /// <summary>
    /// The tail of <see cref="MultiplyColumnSparse{T}"/>: sums[w * v + lane] = sum over the listed rows i of
    /// packed(i, lane mod 8) * repeated(i, w * v + lane), for <paramref name="vectors"/> (at most 4) vectors w; each
    /// block row's 8 packed values fill every 8-lane group of a vector.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void ColumnTail<T>(int count, int* rows, T* packed, T* repeated, int width, int vectors, T* sums) where T : unmanaged, INumberBase<T>
    {
        int v = Vector512<T>.Count;
        Vector512<T> s0 = default, s1 = default, s2 = default, s3 = default;
        for (int q = 0; q < count; q++)
        {
            T* row = packed + (long)q * ZeroPattern.TileRows;
            var x = v == ZeroPattern.TileRows ? Vector512.Load(row) : Vector512.Create(Vector256.Load(row));
            T* r = repeated + (long)rows[q] * width;
            s0 = Fma(x, Vector512.Load(r), s0);
            if (vectors > 1) s1 = Fma(x, Vector512.Load(r + v), s1);
            if (vectors > 2) s2 = Fma(x, Vector512.Load(r + 2 * v), s2);
            if (vectors > 3) s3 = Fma(x, Vector512.Load(r + 3 * v), s3);
        }
        s0.Store(sums); s1.Store(sums + v); s2.Store(sums + 2 * v); s3.Store(sums + 3 * v);
    }
}
