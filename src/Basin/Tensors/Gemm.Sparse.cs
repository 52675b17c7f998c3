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
        fixed (T* pa = a, pc = c, panels = packed)
        fixed (int* order = pattern.Order, start = pattern.TileStart)
        fixed (ushort* columns = pattern.Columns)
        {
            T** rows = stackalloc T*[ZeroPattern.TileRows];
            T** outs = stackalloc T*[ZeroPattern.TileRows];
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
            }
        }
        if (main < n) Multiply(false, true, m, n - main, k, a, lda, b[(main * ldb)..], ldb, c[main..], ldc, false);
    }

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
    /// zeros: tiles of 8 columns of B by NR columns of A run over only the rows of B nonzero in those 8 columns,
    /// and are written transposed into C. Short blocks of rows (minibatches) and a non-finite A take the dense product
    /// (the transposed stores would not pay; 0 x inf = NaN).
    /// </summary>
    public static void MultiplyColumnSparse<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, ZeroPattern pattern,
        ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = MicroTile.For<T>();
        const int block = ZeroPattern.TileRows;
        int nr = shape.NR, mMain = m / nr * nr, nMain = n / block * block;
        if (pattern.Rows != k) throw new ArgumentException($"the pattern has {pattern.Rows} rows, B has {k}", nameof(pattern));
        if (!shape.Wide || mMain == 0 || nMain == 0 || k < ColumnSparseMinRows || !T.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(a[..((k - 1) * lda + m)])))
        {
            Multiply(true, false, m, n, k, a, lda, b, ldb, c, ldc, false);
            return;
        }
        fixed (T* pa = a, pb = b, pc = c)
        fixed (int* start = pattern.BlockStart, rows = pattern.BlockRows)
        {
            T* tile = stackalloc T[block * nr];
            for (int q = 0; q < nMain / block; q++)
                for (int j = 0; j < mMain; j += nr)
                {
                    ColumnTile(rows + start[q], start[q + 1] - start[q], pa + j, lda, pb + q * block, ldb, tile, nr);
                    for (int col = 0; col < nr; col++)
                    {
                        T* to = pc + (long)(j + col) * ldc + q * block;
                        for (int r = 0; r < block; r++) to[r] = tile[r * nr + col];
                    }
                }
        }
        if (nMain < n) Multiply(true, false, mMain, n - nMain, k, a, lda, b[nMain..], ldb, c[nMain..], ldc, false);
        if (mMain < m) Multiply(true, false, m - mMain, n, k, a[mMain..], lda, b, ldb, c[(mMain * ldc)..], ldc, false);
    }

    const int ColumnSparseMinRows = 128;

    // An 8 x (3 vectors) tile of C^T: row r is column r of the 8 columns of B at bp, over the listed rows of A and B.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void ColumnTile<T>(int* rows, int count, T* ap, int lda, T* bp, int ldb, T* tile, int ldt) where T : unmanaged, INumberBase<T>
    {
        int v = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<T> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<T> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        Vector512<T> c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        for (int q = 0; q < count; q++)
        {
            long i = rows[q];
            T* aq = ap + i * lda, x = bp + i * ldb;
            var a0 = Vector512.Load(aq);
            var a1 = Vector512.Load(aq + v);
            var a2 = Vector512.Load(aq + 2 * v);
            var s = Vector512.Create(x[0]); c00 = Fma(s, a0, c00); c01 = Fma(s, a1, c01); c02 = Fma(s, a2, c02);
            s = Vector512.Create(x[1]); c10 = Fma(s, a0, c10); c11 = Fma(s, a1, c11); c12 = Fma(s, a2, c12);
            s = Vector512.Create(x[2]); c20 = Fma(s, a0, c20); c21 = Fma(s, a1, c21); c22 = Fma(s, a2, c22);
            s = Vector512.Create(x[3]); c30 = Fma(s, a0, c30); c31 = Fma(s, a1, c31); c32 = Fma(s, a2, c32);
            s = Vector512.Create(x[4]); c40 = Fma(s, a0, c40); c41 = Fma(s, a1, c41); c42 = Fma(s, a2, c42);
            s = Vector512.Create(x[5]); c50 = Fma(s, a0, c50); c51 = Fma(s, a1, c51); c52 = Fma(s, a2, c52);
            s = Vector512.Create(x[6]); c60 = Fma(s, a0, c60); c61 = Fma(s, a1, c61); c62 = Fma(s, a2, c62);
            s = Vector512.Create(x[7]); c70 = Fma(s, a0, c70); c71 = Fma(s, a1, c71); c72 = Fma(s, a2, c72);
        }
        Store(tile, v, false, c00, c01, c02); tile += ldt;
        Store(tile, v, false, c10, c11, c12); tile += ldt;
        Store(tile, v, false, c20, c21, c22); tile += ldt;
        Store(tile, v, false, c30, c31, c32); tile += ldt;
        Store(tile, v, false, c40, c41, c42); tile += ldt;
        Store(tile, v, false, c50, c51, c52); tile += ldt;
        Store(tile, v, false, c60, c61, c62); tile += ldt;
        Store(tile, v, false, c70, c71, c72);
    }
}
