using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Basin.Tensors;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// C[m,n] = A[m,k] B[n,k]^T (a linear layer's X W^T) where <paramref name="pattern"/> describes A's zeros: each tile
    /// of 8 rows runs only over the columns some of its rows use, so the sums are A B^T's without their zero terms.
    /// <paramref name="panels"/> holds B's rows already packed by <see cref="PackTransposed{T}"/> (once for many
    /// products), or is empty; <paramref name="packed"/> holds A's values packed by <see cref="ZeroPattern.Pack{T}"/>, or
    /// is empty. The last n mod NR columns are sums over the same listed columns (<see cref="RepeatedTail{T}"/>).
    /// A non-finite B takes the dense product, which keeps 0 x inf = NaN as PyTorch does.
    /// </summary>
    public static void MultiplyRowSparse<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, ZeroPattern pattern,
        ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, ReadOnlySpan<T> panels = default, ReadOnlySpan<T> packed = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = MicroTile.For<T>();
        int nr = shape.NR, main = n / nr * nr;
        if (pattern.Rows != m) throw new ArgumentException($"the pattern has {pattern.Rows} rows, A has {m}", nameof(pattern));
        if (panels.IsEmpty && shape.Wide && main > 0)
        {
            var buffer = ThreadBuffers<T>.B(PackedLength<T>(n, k)).AsSpan(0, PackedLength<T>(n, k));
            if (PackTransposed(b, ldb, n, k, buffer)) panels = buffer;
        }
        if (!shape.Wide || main == 0 || panels.IsEmpty || (main < n && !T.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(b[(main * ldb)..((n - 1) * ldb + k)]))))
        {
            Multiply(false, true, m, n, k, a, lda, b, ldb, c, ldc, false);
            return;
        }
        packed = Packed(pattern, a, lda, packed);
        // B's last rows (C's last columns), each value repeated once per row of a tile.
        var tail = new RepeatedTail<T>(b[(main * ldb)..], k, 1, ldb, n - main);
        fixed (T* pc = c, pp = panels, values = packed[pattern.BlockValues..], pt = tail.Values)
        fixed (int* order = pattern.Order, start = pattern.TileStart)
        fixed (ushort* columns = pattern.Columns)
        {
            T** outs = stackalloc T*[ZeroPattern.TileRows];
            T* sums = stackalloc T[TailVectors * Vector512<T>.Count];
            int tiles = pattern.TileStart.Length - 1;
            for (int t = 0; t < tiles; t++)
            {
                // A short last tile repeats its last row: the copies compute and store the same values.
                int first = t * ZeroPattern.TileRows, count = Math.Min(ZeroPattern.TileRows, m - first), listed = start[t + 1] - start[t];
                for (int r = 0; r < ZeroPattern.TileRows; r++) outs[r] = pc + (long)order[first + Math.Min(r, count - 1)] * ldc;
                tail.Tile(listed, new ListedColumns(columns + start[t]), values + (long)start[t] * ZeroPattern.TileRows, pp, k, nr, main, outs, pt, sums);
            }
        }
    }

    /// <summary>A's values packed by <see cref="ZeroPattern.Pack{T}"/>: the caller's, or packed now into a reused buffer.</summary>
    static ReadOnlySpan<T> Packed<T>(ZeroPattern pattern, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> packed) where T : unmanaged
    {
        if (!packed.IsEmpty) return packed;
        var buffer = ThreadBuffers<T>.Pattern(pattern.PackedLength).AsSpan(0, pattern.PackedLength);
        pattern.Pack(a, lda, buffer);
        return buffer;
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
    /// zeros: tiles of a block of 8 columns of B by NR columns of A (the last m mod NR by <see cref="RepeatedTail{T}"/>)
    /// run over only the rows of B nonzero in the block, and are written to C^T, then transposed into C. <paramref name="packed"/>
    /// holds B's values packed by <see cref="ZeroPattern.Pack{T}"/> (once for many products), or is empty. Short blocks
    /// of rows (minibatches) and a non-finite A take the dense product (the transposition would not pay; 0 x inf = NaN).
    /// </summary>
    public static void MultiplyColumnSparse<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, ZeroPattern pattern,
        ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, ReadOnlySpan<T> packed = default) where T : unmanaged, IFloatingPointIeee754<T>
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
        packed = Packed(pattern, b, ldb, packed);
        // A's last columns (C's last rows), each value repeated once per column of a block.
        var tail = new RepeatedTail<T>(a[mMain..], k, lda, 1, m - mMain);
        int ldt = mMain + tail.Width / block;
        // Tiles go to C^T (row stride ldt) in whole vectors, transposed into C at the end: scattered scalar stores
        // into C cost more than the one transposition.
        var transposed = ThreadBuffers<T>.Transposed(nMain * ldt);
        fixed (T* pa = a, pc = c, values = packed, pt = tail.Values, ct = transposed)
        fixed (int* start = pattern.BlockStart, rows = pattern.BlockRows)
        fixed (ushort* columns = pattern.BlockColumns)
        {
            // A tile of C^T is a micro-kernel tile whose 8 "rows" are the block's 8 columns (packed: 8 values a row of
            // B) and whose "B" is A (row i at pa + i * lda), over only the listed rows i.
            T** rowsOfCt = stackalloc T*[block];
            T* sums = stackalloc T[TailVectors * Vector512<T>.Count];
            for (int q = 0; q < nMain / block; q++)
            {
                int count = start[q + 1] - start[q];
                for (int r = 0; r < block; r++) rowsOfCt[r] = ct + (long)columns[q * block + r] * ldt;
                tail.Tile(count, new ListedRows(rows + start[q]), values + (long)start[q] * block, pa, 1, lda, mMain, rowsOfCt, pt, sums);
            }
            Transpose(ct, ldt, pc, ldc, m, nMain);
        }
        if (nMain < n) Multiply(true, false, m, n - nMain, k, a, lda, b[nMain..], ldb, c[nMain..], ldc, false);
    }

    /// <summary>
    /// to[i * ldTo + p] = from[p * ldFrom + i] for i &lt; rows, p &lt; columns: float in 8 x 8 blocks transposed in
    /// registers (whole-vector loads and stores), the rest row by row, each of C's rows in one sequential stream.
    /// </summary>
    static void Transpose<T>(T* from, int ldFrom, T* to, int ldTo, int rows, int columns) where T : unmanaged
    {
        int i = 0;
        if (typeof(T) == typeof(float) && Avx.IsSupported)
            for (; i + 8 <= rows; i += 8)
            {
                int p = 0;
                for (; p + 8 <= columns; p += 8) Transpose8x8((float*)from + (long)p * ldFrom + i, ldFrom, (float*)to + (long)i * ldTo + p, ldTo);
                for (; p < columns; p++)
                    for (int r = i; r < i + 8; r++) to[(long)r * ldTo + p] = from[(long)p * ldFrom + r];
            }
        for (; i < rows; i++)
        {
            T* row = to + (long)i * ldTo, column = from + i;
            for (int p = 0; p < columns; p++) row[p] = column[(long)p * ldFrom];
        }
    }

    /// <summary>The 8 x 8 block at from (row stride ldFrom), transposed to to (row stride ldTo): unpack, shuffle, swap halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Transpose8x8(float* from, int ldFrom, float* to, int ldTo)
    {
        var r0 = Avx.LoadVector256(from); var r1 = Avx.LoadVector256(from + ldFrom);
        var r2 = Avx.LoadVector256(from + 2 * ldFrom); var r3 = Avx.LoadVector256(from + 3 * ldFrom);
        var r4 = Avx.LoadVector256(from + 4 * ldFrom); var r5 = Avx.LoadVector256(from + 5 * ldFrom);
        var r6 = Avx.LoadVector256(from + 6 * ldFrom); var r7 = Avx.LoadVector256(from + 7 * ldFrom);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1); var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5); var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE); var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE); var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(to, Avx.Permute2x128(u0, u4, 0x20)); Avx.Store(to + ldTo, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(to + 2 * ldTo, Avx.Permute2x128(u2, u6, 0x20)); Avx.Store(to + 3 * ldTo, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(to + 4 * ldTo, Avx.Permute2x128(u0, u4, 0x31)); Avx.Store(to + 5 * ldTo, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(to + 6 * ldTo, Avx.Permute2x128(u2, u6, 0x31)); Avx.Store(to + 7 * ldTo, Avx.Permute2x128(u3, u7, 0x31));
    }

    const int ColumnSparseMinRows = 128;
    const int TailVectors = 4;

    /// <summary>
    /// The last few outputs of a sparse product (fewer than NR), whose operand is not in the packed panels: its values
    /// (count rows of <c>tail</c> outputs: element (i, o) at x[i * rowStride + o * outputStride]) each repeated once per
    /// row of a tile, so that one vector holds v / 8 outputs of all 8 rows, and the sums over a tile's listed steps run
    /// as whole-vector FMAs (<see cref="TailSums{T, TRows}"/>).
    /// </summary>
    readonly ref struct RepeatedTail<T> where T : unmanaged, INumberBase<T>
    {
        public readonly int Outputs, Width;
        public readonly Span<T> Values;

        public RepeatedTail(ReadOnlySpan<T> x, int count, int rowStride, int outputStride, int tail)
        {
            int v = Vector512<T>.Count, perVector = v / ZeroPattern.TileRows;
            Outputs = tail;
            Width = (tail + perVector - 1) / perVector * v;
            Values = ThreadBuffers<T>.Tail(count * Width).AsSpan(0, count * Width);
            fixed (T* values = Values)
                for (int i = 0; tail > 0 && i < count; i++)
                    for (int o = 0; o < Width / ZeroPattern.TileRows; o++)
                    {
                        T value = o < tail ? x[i * rowStride + o * outputStride] : T.Zero;
                        T* to = values + (long)i * Width + o * ZeroPattern.TileRows;
                        if (Vector512<T>.Count == ZeroPattern.TileRows) Vector512.Create(value).Store(to);
                        else Vector256.Create(value).Store(to);
                    }
        }

        /// <summary>
        /// One tile of a sparse product: its full panels (panel j's B at b + j * panelStride, row stride bs, C rows
        /// rowsOfC[r] + j) by the packed micro-kernel, then the tile rows' outputs [main, main + Outputs): summed in the
        /// last panel's kernel when they fit in two vectors, else by <see cref="TailSums{T, TRows}"/>.
        /// </summary>
        public void Tile<TRows>(int count, TRows rowsOfB, T* packed, T* b, long panelStride, int bs, int main, T** rowsOfC,
            T* repeated, T* sums) where TRows : struct, IRowsOfB
        {
            int v = Vector512<T>.Count, nr = MicroTile.For<T>().NR, vectors = Width / v;
            for (int j = 0; j < main; j += nr)
            {
                T* panel = b + j * panelStride;
                if (j + nr < main || vectors is 0 or > 2) Kernel512Packed<T, TRows, NoTail>(count, rowsOfB, packed, panel, bs, rowsOfC, j, false);
                else if (vectors == 1) Kernel512Packed<T, TRows, OneTailVector>(count, rowsOfB, packed, panel, bs, rowsOfC, j, false, repeated, Width, sums);
                else Kernel512Packed<T, TRows, TwoTailVectors>(count, rowsOfB, packed, panel, bs, rowsOfC, j, false, repeated, Width, sums);
            }
            if (vectors is > 0 and <= 2)
            {
                Scatter(sums, 0, vectors, rowsOfC, main);
                return;
            }
            for (int u = 0; u < Width; u += TailVectors * v)
            {
                int group = Math.Min(TailVectors, (Width - u) / v);
                TailSums(count, rowsOfB, packed, repeated + u, Width, group, sums);
                Scatter(sums, u, group, rowsOfC, main);
            }
        }

        /// <summary>Lane l of sums is output u / 8 + l / 8 of tile row l mod 8, stored at rowsOfC[l mod 8] + from.</summary>
        void Scatter(T* sums, int u, int vectors, T** rowsOfC, int from)
        {
            for (int lane = 0; lane < vectors * Vector512<T>.Count; lane++)
            {
                int o = u / ZeroPattern.TileRows + lane / ZeroPattern.TileRows;
                if (o < Outputs) rowsOfC[lane % ZeroPattern.TileRows][from + o] = sums[lane];
            }
        }
    }

    /// <summary>
    /// sums[w * v + lane] = sum over the steps q of packed[8q + lane mod 8] * repeated[row_q * width + w * v + lane], for
    /// <paramref name="vectors"/> (at most 4) vectors w, row_q the q-th of rowsOfB; each step's 8 packed values fill every
    /// 8-lane group of a vector. Even and odd steps sum apart, so two chains of FMAs are in flight per vector.
    /// </summary>
    static void TailSums<T, TRows>(int count, TRows rowsOfB, T* packed, T* repeated, int width, int vectors, T* sums)
        where T : unmanaged, INumberBase<T> where TRows : struct, IRowsOfB
    {
        int v = Vector512<T>.Count;
        Vector512<T> s0 = default, s1 = default, s2 = default, s3 = default, t0 = default, t1 = default, t2 = default, t3 = default;
        int q = 0;
        for (; q + 1 < count; q += 2)
        {
            T* row = packed + (long)q * ZeroPattern.TileRows;
            Vector512<T> x = Repeat(row), y = Repeat(row + ZeroPattern.TileRows);
            T* r = repeated + rowsOfB.Next() * width, s = repeated + rowsOfB.Next() * width;
            s0 = Fma(x, Vector512.Load(r), s0); t0 = Fma(y, Vector512.Load(s), t0);
            if (vectors > 1) { s1 = Fma(x, Vector512.Load(r + v), s1); t1 = Fma(y, Vector512.Load(s + v), t1); }
            if (vectors > 2) { s2 = Fma(x, Vector512.Load(r + 2 * v), s2); t2 = Fma(y, Vector512.Load(s + 2 * v), t2); }
            if (vectors > 3) { s3 = Fma(x, Vector512.Load(r + 3 * v), s3); t3 = Fma(y, Vector512.Load(s + 3 * v), t3); }
        }
        if (q < count)
        {
            var x = Repeat(packed + (long)q * ZeroPattern.TileRows);
            T* r = repeated + rowsOfB.Next() * width;
            s0 = Fma(x, Vector512.Load(r), s0);
            if (vectors > 1) s1 = Fma(x, Vector512.Load(r + v), s1);
            if (vectors > 2) s2 = Fma(x, Vector512.Load(r + 2 * v), s2);
            if (vectors > 3) s3 = Fma(x, Vector512.Load(r + 3 * v), s3);
        }
        (s0 + t0).Store(sums); (s1 + t1).Store(sums + v); (s2 + t2).Store(sums + 2 * v); (s3 + t3).Store(sums + 3 * v);
    }

    /// <summary>8 values filling every 8-lane group of a vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<T> Repeat<T>(T* values) where T : unmanaged =>
        Vector512<T>.Count == ZeroPattern.TileRows ? Vector512.Load(values) : Vector512.As<float, T>(Avx512DQ.BroadcastVector256ToVector512((float*)values));
}
