using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Basin.Tensors;

/// <summary>
/// Packed, register-blocked matrix product C = op(A) op(B) (+ C), row-major, after Goto and van de Geijn:
/// B is packed in KC x NC blocks, A in MC x KC blocks, and a micro-kernel keeps an MR x NR tile of C in
/// registers. Every element of C sees the same k order whatever the thread split, so results are
/// bit-identical for any thread count.
/// </summary>
internal static unsafe partial class Gemm
{
    const int KC = 384;
    const int MC = 192;
    const int NCBytes = 3840;
    /// <summary>Up to this many rows of C, a non-transposed B is read in place: too little reuse to repay packing.</summary>
    const int DirectBRows = 192;

    /// <summary>
    /// The row stride of a matrix of n columns: n, plus a cache line when n values span a multiple of 4 KB. Rows 4 KB
    /// apart share their L1 sets, and a micro-kernel that reads eight of them at once (a convolution's weight gradient
    /// reads its column matrix so) evicts its own lines: 20 % of that product's speed at 32x32 outputs. Strides change no value.
    /// </summary>
    public static int LeadingDimension<T>(int n) where T : unmanaged => n * Unsafe.SizeOf<T>() % 4096 == 0 ? n + 64 / Unsafe.SizeOf<T>() : n;

    /// <summary>C[m,n] = (accumulate ? C : 0) + op(A)[m,k] op(B)[k,n].</summary>
    public static void Multiply<T>(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc,
        bool accumulate, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }
        var shape = MicroTile.For<T>();
        // A last panel of a few columns would fill a whole register tile for little work (n = 100 = 48 + 48 + 4):
        // when op(A) rows and op(B) columns are both contiguous, those columns are dot products instead.
        int tail = HasDotTail<T>(transA, transB, n, k) ? n % shape.NR : 0;
        int main = n - tail;
        int panels = (main + shape.NR - 1) / shape.NR;
        threads = Math.Clamp(threads, 1, Math.Max(panels, 1));
        fixed (T* pa = a, pb = b, pc = c)
        {
            var job = new Job<T>(transA, transB, m, k, pa, lda, pb, ldb, pc, ldc, accumulate, shape);
            if (threads == 1)
            {
                job.Run(0, main);
                if (tail > 0) job.DotTail(0, m, main, tail);
                return;
            }
            Executor.Run(threads, new Split<T>(job, (panels + threads - 1) / threads * shape.NR, main, tail, m, threads));
        }
    }

    /// <summary>Worker t's columns of C (whole panels) and its rows of the dot-product tail.</summary>
    readonly struct Split<T>(Job<T> job, int perThread, int main, int tail, int m, int threads) : IWorkerBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int t)
        {
            int j0 = t * perThread;
            int j1 = Math.Min(main, j0 + perThread);
            if (j0 < j1) job.Run(j0, j1);
            if (tail > 0) job.DotTail(t * m / threads, (t + 1) * m / threads, main, tail);
        }
    }

    const int DotTailColumns = 8;
    const int DotTailMinK = 64;

    /// <summary>
    /// Whether a product of this shape sums its last few columns as lane-split dot products rather than as FMA chains
    /// over k: only then do C = A B^T and C^T = B A^T (the same products) differ in their bits.
    /// </summary>
    public static bool HasDotTail<T>(bool transA, bool transB, int n, int k) where T : unmanaged
    {
        var shape = MicroTile.For<T>();
        return shape.Wide && !transA && transB && k >= DotTailMinK && n % shape.NR is > 0 and <= DotTailColumns;
    }

    static void Dot4x4<T>(int k, T* a0, T* a1, T* a2, T* a3, T* b0, T* b1, T* b2, T* b3, T* sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int v = Vector512<T>.Count;
        Vector512<T> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        Vector512<T> s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default;
        int p = 0;
        for (; p <= k - v; p += v)
        {
            var y0 = Vector512.Load(b0 + p); var y1 = Vector512.Load(b1 + p); var y2 = Vector512.Load(b2 + p); var y3 = Vector512.Load(b3 + p);
            var x = Vector512.Load(a0 + p); s00 = Fma(x, y0, s00); s01 = Fma(x, y1, s01); s02 = Fma(x, y2, s02); s03 = Fma(x, y3, s03);
            x = Vector512.Load(a1 + p); s10 = Fma(x, y0, s10); s11 = Fma(x, y1, s11); s12 = Fma(x, y2, s12); s13 = Fma(x, y3, s13);
            x = Vector512.Load(a2 + p); s20 = Fma(x, y0, s20); s21 = Fma(x, y1, s21); s22 = Fma(x, y2, s22); s23 = Fma(x, y3, s23);
            x = Vector512.Load(a3 + p); s30 = Fma(x, y0, s30); s31 = Fma(x, y1, s31); s32 = Fma(x, y2, s32); s33 = Fma(x, y3, s33);
        }
        sums[0] = Vector512.Sum(s00); sums[1] = Vector512.Sum(s01); sums[2] = Vector512.Sum(s02); sums[3] = Vector512.Sum(s03);
        sums[4] = Vector512.Sum(s10); sums[5] = Vector512.Sum(s11); sums[6] = Vector512.Sum(s12); sums[7] = Vector512.Sum(s13);
        sums[8] = Vector512.Sum(s20); sums[9] = Vector512.Sum(s21); sums[10] = Vector512.Sum(s22); sums[11] = Vector512.Sum(s23);
        sums[12] = Vector512.Sum(s30); sums[13] = Vector512.Sum(s31); sums[14] = Vector512.Sum(s32); sums[15] = Vector512.Sum(s33);
        for (; p < k; p++)
        {
            T x0 = a0[p], x1 = a1[p], x2 = a2[p], x3 = a3[p], y0 = b0[p], y1 = b1[p], y2 = b2[p], y3 = b3[p];
            sums[0] += x0 * y0; sums[1] += x0 * y1; sums[2] += x0 * y2; sums[3] += x0 * y3;
            sums[4] += x1 * y0; sums[5] += x1 * y1; sums[6] += x1 * y2; sums[7] += x1 * y3;
            sums[8] += x2 * y0; sums[9] += x2 * y1; sums[10] += x2 * y2; sums[11] += x2 * y3;
            sums[12] += x3 * y0; sums[13] += x3 * y1; sums[14] += x3 * y2; sums[15] += x3 * y3;
        }
    }

    readonly struct MicroTile
    {
        public readonly int MR, NR;
        public readonly bool Wide;
        MicroTile(int mr, int nr, bool wide) { MR = mr; NR = nr; Wide = wide; }

        public static MicroTile For<T>() where T : unmanaged => Vector512.IsHardwareAccelerated
            ? new MicroTile(8, 3 * Vector512<T>.Count, true)
            : new MicroTile(4, 3 * Vector256<T>.Count, false);
    }

    readonly struct Job<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        readonly bool transA, transB, accumulate;
        readonly int m, k, lda, ldb, ldc;
        readonly T* a, b, c;
        readonly MicroTile tile;

        public Job(bool transA, bool transB, int m, int k, T* a, int lda, T* b, int ldb, T* c, int ldc,
            bool accumulate, MicroTile tile)
        {
            this.transA = transA; this.transB = transB; this.m = m; this.k = k;
            this.a = a; this.lda = lda; this.b = b; this.ldb = ldb; this.c = c; this.ldc = ldc;
            this.accumulate = accumulate; this.tile = tile;
        }

        public void Run(int j0, int j1)
        {
            int mr = tile.MR, nr = tile.NR;
            int nc = Math.Max(nr, NCBytes / sizeof(T) / nr * nr);
            // Equal k blocks (784 -> 3 x 262, not 384 + 384 + 16) so no block is mostly C load/store.
            int kc = (k + (k + KC - 1) / KC - 1) / ((k + KC - 1) / KC);
            int kcMax = Math.Min(kc, k);
            int mcMax = Math.Min((m + mr - 1) / mr * mr, MC);
            int ncMax = Math.Min((j1 - j0 + nr - 1) / nr * nr, nc);
            T* tileBuf = stackalloc T[mr * nr];
            // Row pointers of the micro-tile's A and C, filled per tile (the micro-kernel takes rows, not strides).
            T** aRows = stackalloc T*[8];
            T** cRows = stackalloc T*[8];
            fixed (T* pA = ThreadBuffers<T>.A(mcMax * kcMax + 64), pB = ThreadBuffers<T>.B(ncMax * kcMax + 64))
            {
                T* alignedA = Align(pA), alignedB = Align(pB);
                // AVX-512 kernels read a non-transposed A in place (row stride lda) instead of packing it.
                bool direct = tile.Wide && !transA;
                bool directB = tile.Wide && !transB && m <= DirectBRows;
                for (int jc = j0; jc < j1; jc += nc)
                {
                    int ncb = Math.Min(nc, j1 - jc);
                    for (int pc = 0; pc < k; pc += kc)
                    {
                        int kcb = Math.Min(kc, k - pc);
                        bool load = accumulate || pc > 0;
                        if (!directB) PackB(alignedB, pc, kcb, jc, ncb);
                        for (int ic = 0; ic < m; ic += MC)
                        {
                            int mcb = Math.Min(MC, m - ic);
                            if (!direct) PackA(alignedA, ic, mcb, pc, kcb);
                            for (int jr = 0; jr < ncb; jr += nr)
                            {
                                int cols = Math.Min(nr, ncb - jr);
                                T* bPanel = alignedB + jr * kcb;
                                int bs = nr;
                                if (directB && cols == nr) { bPanel = b + (long)pc * ldb + jc + jr; bs = ldb; }
                                else if (directB) { bPanel = alignedB; PackB(alignedB, pc, kcb, jc + jr, cols); }
                                for (int ir = 0; ir < mcb; ir += mr)
                                {
                                    int rows = Math.Min(mr, mcb - ir);
                                    T* aPanel = alignedA + ir * kcb;
                                    int rs = 1, cs = mr;
                                    if (direct && rows == mr) { aPanel = a + (long)(ic + ir) * lda + pc; rs = lda; cs = 1; }
                                    else if (direct) { aPanel = alignedA; PackA(alignedA, ic + ir, rows, pc, kcb); }
                                    T* cTile = c + (long)(ic + ir) * ldc + jc + jr;
                                    if (rows == mr && cols == nr)
                                        Kernel(kcb, aPanel, rs, cs, bPanel, bs, cTile, ldc, load, aRows, cRows);
                                    else if (tile.Wide && rows == mr && cols % Vector512<T>.Count == 0)
                                        // Whole vectors of a narrow panel (n = 16, 32: a transposed weight gradient's) go straight into C.
                                        for (int q = 0; q < cols; q += Vector512<T>.Count)
                                            Kernel512Narrow(kcb, aPanel, rs, cs, bPanel + q, bs, cTile + q, ldc, load);
                                    else
                                    {
                                        if (tile.Wide && cols <= 2 * Vector512<T>.Count)
                                            for (int q = 0; q < cols; q += Vector512<T>.Count)
                                                Kernel512Narrow(kcb, aPanel, rs, cs, bPanel + q, bs, tileBuf + q, nr);
                                        else
                                            Kernel(kcb, aPanel, rs, cs, bPanel, bs, tileBuf, nr, false, aRows, cRows);
                                        for (int i = 0; i < rows; i++)
                                        {
                                            var from = new ReadOnlySpan<T>(tileBuf + i * nr, cols);
                                            var to = new Span<T>(cTile + (long)i * ldc, cols);
                                            if (load) TensorPrimitives.Add(to, from, to);
                                            else from.CopyTo(to);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        /// <summary>
        /// C[i, j0 + jj] (+)= A row i . B row (j0 + jj) for rows [i0, i1) and jj &lt; width: A not transposed, B transposed,
        /// so both operands run contiguously along k. Blocks of 4 x 4 dot products share their loads; missing rows or
        /// columns of a block repeat the last real one and are not stored.
        /// </summary>
        public void DotTail(int i0, int i1, int j0, int width)
        {
            T* sums = stackalloc T[16];
            for (int i = i0; i < i1; i += 4)
            for (int jj = 0; jj < width; jj += 4)
            {
                int rows = Math.Min(4, i1 - i), cols = Math.Min(4, width - jj);
                T* a0 = a + (long)i * lda, a1 = a + (long)(i + Math.Min(1, rows - 1)) * lda;
                T* a2 = a + (long)(i + Math.Min(2, rows - 1)) * lda, a3 = a + (long)(i + Math.Min(3, rows - 1)) * lda;
                T* b0 = b + (long)(j0 + jj) * ldb, b1 = b + (long)(j0 + jj + Math.Min(1, cols - 1)) * ldb;
                T* b2 = b + (long)(j0 + jj + Math.Min(2, cols - 1)) * ldb, b3 = b + (long)(j0 + jj + Math.Min(3, cols - 1)) * ldb;
                Dot4x4(k, a0, a1, a2, a3, b0, b1, b2, b3, sums);
                for (int r = 0; r < rows; r++)
                for (int q = 0; q < cols; q++)
                {
                    T* to = c + (long)(i + r) * ldc + j0 + jj + q;
                    *to = accumulate ? *to + sums[r * 4 + q] : sums[r * 4 + q];
                }
            }
        }

        static T* Align(T* p) => (T*)(((nint)p + 63) & ~(nint)63);

        void PackA(T* dst, int i0, int rows, int p0, int kcb)
        {
            int mr = tile.MR;
            T** rowsOfA = stackalloc T*[mr];
            for (int r = 0; r < rows; r += mr)
            {
                int h = Math.Min(mr, rows - r);
                T* panel = dst + r * kcb;
                if (!transA)
                {
                    // p outer with one pointer per row: the panel is written sequentially.
                    for (int ii = 0; ii < mr; ii++) rowsOfA[ii] = ii < h ? a + (long)(i0 + r + ii) * lda + p0 : null;
                    for (int p = 0; p < kcb; p++)
                    {
                        T* d = panel + p * mr;
                        for (int ii = 0; ii < mr; ii++) d[ii] = ii < h ? rowsOfA[ii][p] : T.Zero;
                    }
                }
                else
                {
                    for (int p = 0; p < kcb; p++)
                    {
                        T* src = a + (long)(p0 + p) * lda + i0 + r;
                        T* d = panel + p * mr;
                        int ii = 0;
                        for (; ii < h; ii++) d[ii] = src[ii];
                        for (; ii < mr; ii++) d[ii] = T.Zero;
                    }
                }
            }
        }

        void PackB(T* dst, int p0, int kcb, int j0, int cols)
        {
            int nr = tile.NR;
            T** colsOfB = stackalloc T*[nr];
            for (int s = 0; s < cols; s += nr)
            {
                int w = Math.Min(nr, cols - s);
                T* panel = dst + s * kcb;
                // A narrow last panel: clear it in one sweep, then fill only its real columns.
                if (w < nr) new Span<T>(panel, kcb * nr).Clear();
                if (!transB)
                {
                    for (int p = 0; p < kcb; p++)
                        new ReadOnlySpan<T>(b + (long)(p0 + p) * ldb + j0 + s, w).CopyTo(new Span<T>(panel + p * nr, w));
                }
                else
                {
                    // p outer with one pointer per column of op(B): the panel is written sequentially.
                    for (int jj = 0; jj < w; jj++) colsOfB[jj] = b + (long)(j0 + s + jj) * ldb + p0;
                    for (int p = 0; p < kcb; p++)
                    {
                        T* d = panel + p * nr;
                        for (int jj = 0; jj < w; jj++) d[jj] = colsOfB[jj][p];
                    }
                }
            }
        }

        /// <summary>A full micro-tile: A element (r, p) at ap[r * rs + p * cs] (rows in place: cs = 1; a packed panel: rs = 1, cs = 8), C row r at cp + r * ldcTile.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        void Kernel(int kc, T* ap, int rs, int cs, T* bp, int bs, T* cp, int ldcTile, bool load, T** a, T** c)
        {
            if (!tile.Wide)
            {
                Kernel256(kc, ap, bp, cp, ldcTile, load);
                return;
            }
            for (int r = 0; r < 8; r++) { a[r] = ap + r * rs; c[r] = cp + (long)r * ldcTile; }
            if (cs == 1) Kernel512(kc, a, bp, bs, c, 0, load);
            else Kernel512Packed<T, Consecutive, NoTail>(kc, default, ap, bp, bs, c, 0, load);
        }
    }
}
