using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Basin.Tensors;

/// <summary>
/// The micro-kernels: an MR x NR tile of C held in registers while the packed panels of A and B stream past, for
/// AVX-512 (8 rows x 3 vectors, dense or over listed rows of B) and AVX2.
/// </summary>
internal static unsafe partial class Gemm
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<T> Fma<T>(Vector512<T> x, Vector512<T> y, Vector512<T> acc) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        return Vector512.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<T> Fma<T>(Vector256<T> x, Vector256<T> y, Vector256<T> acc) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        return Vector256.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
    }

    /// <summary>The rows of B a packed micro-kernel's steps visit, one after another: all of them in order, or a list (zeros skipped).</summary>
    interface IRowsOfB { nint Next(); }
    struct Consecutive : IRowsOfB { nint row; public nint Next() => row++; }
    /// <summary>A tile's listed columns of A (<see cref="ZeroPattern.Columns"/>), the rows of B they meet.</summary>
    struct ListedColumns(ushort* list) : IRowsOfB { ushort* at = list; public nint Next() => *at++; }
    /// <summary>A block's listed rows of B (<see cref="ZeroPattern.BlockRows"/>).</summary>
    struct ListedRows(int* list) : IRowsOfB { int* at = list; public nint Next() => *at++; }

    // 8 x (3 vectors) tile: 24 accumulators + 3 B vectors + 1 broadcast fit the 32 zmm registers.
    // A row r is a[r] with element p at a[r][p] (rows in place); B row p is bp + p * bs; C row r is c[r] + j.
    static void Kernel512<T>(int count, T** a, T* bp, int bs, T** c, int j, bool load) where T : unmanaged, INumberBase<T>
    {
        T* a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6], a7 = a[7];
        int v = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<T> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<T> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        Vector512<T> c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        for (nint p = 0; p < count; p++)
        {
            T* b = bp + p * bs;
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + v);
            var b2 = Vector512.Load(b + 2 * v);
            var x = Vector512.Create(a0[p]); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01); c02 = Fma(x, b2, c02);
            x = Vector512.Create(a1[p]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11); c12 = Fma(x, b2, c12);
            x = Vector512.Create(a2[p]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21); c22 = Fma(x, b2, c22);
            x = Vector512.Create(a3[p]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31); c32 = Fma(x, b2, c32);
            x = Vector512.Create(a4[p]); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41); c42 = Fma(x, b2, c42);
            x = Vector512.Create(a5[p]); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51); c52 = Fma(x, b2, c52);
            x = Vector512.Create(a6[p]); c60 = Fma(x, b0, c60); c61 = Fma(x, b1, c61); c62 = Fma(x, b2, c62);
            x = Vector512.Create(a7[p]); c70 = Fma(x, b0, c70); c71 = Fma(x, b1, c71); c72 = Fma(x, b2, c72);
        }
        Store8(c, j, v, load, c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32, c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72);
    }

    /// <summary>How many vectors of a sparse product's tail a packed micro-kernel sums alongside its tile (its last free registers).</summary>
    interface ITailVectors { static abstract int Count { get; } }
    struct NoTail : ITailVectors { public static int Count => 0; }
    struct OneTailVector : ITailVectors { public static int Count => 1; }
    struct TwoTailVectors : ITailVectors { public static int Count => 2; }

    // The same tile with A packed: step q's 8 values at a[8q .. 8q + 8) (a packed panel, or a pattern's packed tiles and
    // blocks), B row rowsOfB.Next() at bp + row * bs. One pointer for A leaves the general registers free (no spills).
    // With a tail, each step also adds its 8 values (repeated to fill a vector) times row `row` of `repeated` (row stride
    // `width`) to TTail.Count more accumulators, stored to tailSums: the sums of <see cref="TailSums{T, TRows}"/> at
    // a few more instructions per step, in the 31st and 32nd registers.
    static void Kernel512Packed<T, TRows, TTail>(int count, TRows rowsOfB, T* a, T* bp, int bs, T** c, int j, bool load,
        T* repeated = null, int width = 0, T* tailSums = null)
        where T : unmanaged, INumberBase<T> where TRows : struct, IRowsOfB where TTail : struct, ITailVectors
    {
        int v = Vector512<T>.Count;
        Vector512<T> t0 = default, t1 = default;
        Vector512<T> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<T> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<T> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        Vector512<T> c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        for (T* end = a + (nint)count * 8; a < end; a += 8)
        {
            nint row = rowsOfB.Next();
            T* b = bp + row * bs;
            if (TTail.Count > 0)
            {
                var values = Repeat(a);
                T* r = repeated + row * width;
                t0 = Fma(values, Vector512.Load(r), t0);
                if (TTail.Count > 1) t1 = Fma(values, Vector512.Load(r + v), t1);
            }
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + v);
            var b2 = Vector512.Load(b + 2 * v);
            var x = Vector512.Create(a[0]); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01); c02 = Fma(x, b2, c02);
            x = Vector512.Create(a[1]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11); c12 = Fma(x, b2, c12);
            x = Vector512.Create(a[2]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21); c22 = Fma(x, b2, c22);
            x = Vector512.Create(a[3]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31); c32 = Fma(x, b2, c32);
            x = Vector512.Create(a[4]); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41); c42 = Fma(x, b2, c42);
            x = Vector512.Create(a[5]); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51); c52 = Fma(x, b2, c52);
            x = Vector512.Create(a[6]); c60 = Fma(x, b0, c60); c61 = Fma(x, b1, c61); c62 = Fma(x, b2, c62);
            x = Vector512.Create(a[7]); c70 = Fma(x, b0, c70); c71 = Fma(x, b1, c71); c72 = Fma(x, b2, c72);
        }
        Store8(c, j, v, load, c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32, c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72);
        if (TTail.Count > 0) t0.Store(tailSums);
        if (TTail.Count > 1) t1.Store(tailSums + v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store8<T>(T** c, int j, int v, bool load,
        Vector512<T> c00, Vector512<T> c01, Vector512<T> c02, Vector512<T> c10, Vector512<T> c11, Vector512<T> c12,
        Vector512<T> c20, Vector512<T> c21, Vector512<T> c22, Vector512<T> c30, Vector512<T> c31, Vector512<T> c32,
        Vector512<T> c40, Vector512<T> c41, Vector512<T> c42, Vector512<T> c50, Vector512<T> c51, Vector512<T> c52,
        Vector512<T> c60, Vector512<T> c61, Vector512<T> c62, Vector512<T> c70, Vector512<T> c71, Vector512<T> c72) where T : unmanaged
    {
        Store(c[0] + j, v, load, c00, c01, c02);
        Store(c[1] + j, v, load, c10, c11, c12);
        Store(c[2] + j, v, load, c20, c21, c22);
        Store(c[3] + j, v, load, c30, c31, c32);
        Store(c[4] + j, v, load, c40, c41, c42);
        Store(c[5] + j, v, load, c50, c51, c52);
        Store(c[6] + j, v, load, c60, c61, c62);
        Store(c[7] + j, v, load, c70, c71, c72);
    }

    // 8 x 1 vector tile for the last, narrow panel of B (row stride ldb): avoids computing padding columns. With load,
    // C + tile is stored (the sum an edge tile's copy-back makes).
    static void Kernel512Narrow<T>(int kc, T* ap, int rs, int cs, T* bp, int ldb, T* cp, int ldc, bool load = false) where T : unmanaged, INumberBase<T>
    {
        T* a0 = ap, a1 = ap + rs, a2 = ap + 2 * rs, a3 = ap + 3 * rs, a4 = ap + 4 * rs, a5 = ap + 5 * rs, a6 = ap + 6 * rs, a7 = ap + 7 * rs;
        nint off = 0;
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(bp);
            c0 = Fma(Vector512.Create(a0[off]), b0, c0); c1 = Fma(Vector512.Create(a1[off]), b0, c1);
            c2 = Fma(Vector512.Create(a2[off]), b0, c2); c3 = Fma(Vector512.Create(a3[off]), b0, c3);
            c4 = Fma(Vector512.Create(a4[off]), b0, c4); c5 = Fma(Vector512.Create(a5[off]), b0, c5);
            c6 = Fma(Vector512.Create(a6[off]), b0, c6); c7 = Fma(Vector512.Create(a7[off]), b0, c7);
            off += cs;
            bp += ldb;
        }
        if (load)
        {
            c0 = Vector512.Load(cp) + c0; c1 = Vector512.Load(cp + ldc) + c1; c2 = Vector512.Load(cp + 2 * ldc) + c2; c3 = Vector512.Load(cp + 3 * ldc) + c3;
            c4 = Vector512.Load(cp + 4 * ldc) + c4; c5 = Vector512.Load(cp + 5 * ldc) + c5; c6 = Vector512.Load(cp + 6 * ldc) + c6; c7 = Vector512.Load(cp + 7 * ldc) + c7;
        }
        c0.Store(cp); c1.Store(cp + ldc); c2.Store(cp + 2 * ldc); c3.Store(cp + 3 * ldc);
        c4.Store(cp + 4 * ldc); c5.Store(cp + 5 * ldc); c6.Store(cp + 6 * ldc); c7.Store(cp + 7 * ldc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store<T>(T* cp, int v, bool load, Vector512<T> x0, Vector512<T> x1, Vector512<T> x2) where T : unmanaged
    {
        if (load)
        {
            x0 += Vector512.Load(cp);
            x1 += Vector512.Load(cp + v);
            x2 += Vector512.Load(cp + 2 * v);
        }
        x0.Store(cp);
        x1.Store(cp + v);
        x2.Store(cp + 2 * v);
    }

    // 4 x (3 vectors) tile for 16-register AVX2 machines.
    static void Kernel256<T>(int kc, T* ap, T* bp, T* cp, int ldc, bool load) where T : unmanaged, INumberBase<T>
    {
        int v = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector256<T> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(bp);
            var b1 = Vector256.Load(bp + v);
            var b2 = Vector256.Load(bp + 2 * v);
            var x = Vector256.Create(ap[0]); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01); c02 = Fma(x, b2, c02);
            x = Vector256.Create(ap[1]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11); c12 = Fma(x, b2, c12);
            x = Vector256.Create(ap[2]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21); c22 = Fma(x, b2, c22);
            x = Vector256.Create(ap[3]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31); c32 = Fma(x, b2, c32);
            ap += 4;
            bp += 3 * v;
        }
        Store(cp, v, load, c00, c01, c02); cp += ldc;
        Store(cp, v, load, c10, c11, c12); cp += ldc;
        Store(cp, v, load, c20, c21, c22); cp += ldc;
        Store(cp, v, load, c30, c31, c32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store<T>(T* cp, int v, bool load, Vector256<T> x0, Vector256<T> x1, Vector256<T> x2) where T : unmanaged
    {
        if (load)
        {
            x0 += Vector256.Load(cp);
            x1 += Vector256.Load(cp + v);
            x2 += Vector256.Load(cp + 2 * v);
        }
        x0.Store(cp);
        x1.Store(cp + v);
        x2.Store(cp + 2 * v);
    }
}
