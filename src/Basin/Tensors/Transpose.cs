using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Basin.Tensors;

/// <summary>
/// Matrix transposes: square blocks of a vector's width (16 floats, 8 doubles) transposed in registers by a butterfly
/// of two-source permutes, one stage per bit of the row index, and the ragged edges element by element.
/// </summary>
internal static unsafe class Transpose
{
    /// <summary>dst[j * ldd + i] = src[i * lds + j] for i &lt; rows, j &lt; cols.</summary>
    public static void Matrix<T>(T* src, int rows, int cols, nint lds, T* dst, nint ldd) where T : unmanaged
    {
        int v = Avx512F.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double)) ? Vector512<T>.Count : 1;
        int rowBlocks = rows / v * v, colBlocks = cols / v * v;
        if (v > 1)
            for (int i = 0; i < rowBlocks; i += v)
            for (int j = 0; j < colBlocks; j += v)
                if (typeof(T) == typeof(float)) Block16((float*)src + i * lds + j, lds, (float*)dst + j * ldd + i, ldd);
                else Block8((double*)src + i * lds + j, lds, (double*)dst + j * ldd + i, ldd);
        for (int i = 0; i < rows; i++)
            for (int j = i < rowBlocks ? colBlocks : 0; j < cols; j++) dst[j * ldd + i] = src[i * lds + j];
    }

    /// <summary>
    /// One butterfly stage on rows a and b = a's partner d rows on: a keeps its columns whose bit d is clear and takes b's
    /// (d columns to the left) into the others; b takes a's columns d to the right and keeps its own with the bit set.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (Vector512<float>, Vector512<float>) Exchange(Vector512<float> a, Vector512<float> b, Vector512<int> keep, Vector512<int> take) =>
        (Avx512F.PermuteVar16x32x2(a, keep, b), Avx512F.PermuteVar16x32x2(a, take, b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (Vector512<double>, Vector512<double>) Exchange(Vector512<double> a, Vector512<double> b, Vector512<long> keep, Vector512<long> take) =>
        (Avx512F.PermuteVar8x64x2(a, keep, b), Avx512F.PermuteVar8x64x2(a, take, b));

    // Unrolled, so that the 16 rows stay in registers from the loads to the stores (a loop over an array of them spills).
    static void Block16(float* s, nint lds, float* d, nint ldd)
    {
        var r0 = Vector512.Load(s); var r1 = Vector512.Load(s + lds); var r2 = Vector512.Load(s + 2 * lds); var r3 = Vector512.Load(s + 3 * lds);
        var r4 = Vector512.Load(s + 4 * lds); var r5 = Vector512.Load(s + 5 * lds); var r6 = Vector512.Load(s + 6 * lds); var r7 = Vector512.Load(s + 7 * lds);
        var r8 = Vector512.Load(s + 8 * lds); var r9 = Vector512.Load(s + 9 * lds); var r10 = Vector512.Load(s + 10 * lds); var r11 = Vector512.Load(s + 11 * lds);
        var r12 = Vector512.Load(s + 12 * lds); var r13 = Vector512.Load(s + 13 * lds); var r14 = Vector512.Load(s + 14 * lds); var r15 = Vector512.Load(s + 15 * lds);
        var keep = Vector512.Create(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
        var take = Vector512.Create(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
        (r0, r1) = Exchange(r0, r1, keep, take); (r2, r3) = Exchange(r2, r3, keep, take); (r4, r5) = Exchange(r4, r5, keep, take); (r6, r7) = Exchange(r6, r7, keep, take);
        (r8, r9) = Exchange(r8, r9, keep, take); (r10, r11) = Exchange(r10, r11, keep, take); (r12, r13) = Exchange(r12, r13, keep, take); (r14, r15) = Exchange(r14, r15, keep, take);
        keep = Vector512.Create(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
        take = Vector512.Create(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
        (r0, r2) = Exchange(r0, r2, keep, take); (r1, r3) = Exchange(r1, r3, keep, take); (r4, r6) = Exchange(r4, r6, keep, take); (r5, r7) = Exchange(r5, r7, keep, take);
        (r8, r10) = Exchange(r8, r10, keep, take); (r9, r11) = Exchange(r9, r11, keep, take); (r12, r14) = Exchange(r12, r14, keep, take); (r13, r15) = Exchange(r13, r15, keep, take);
        keep = Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
        take = Vector512.Create(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
        (r0, r4) = Exchange(r0, r4, keep, take); (r1, r5) = Exchange(r1, r5, keep, take); (r2, r6) = Exchange(r2, r6, keep, take); (r3, r7) = Exchange(r3, r7, keep, take);
        (r8, r12) = Exchange(r8, r12, keep, take); (r9, r13) = Exchange(r9, r13, keep, take); (r10, r14) = Exchange(r10, r14, keep, take); (r11, r15) = Exchange(r11, r15, keep, take);
        keep = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        take = Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        (r0, r8) = Exchange(r0, r8, keep, take); (r1, r9) = Exchange(r1, r9, keep, take); (r2, r10) = Exchange(r2, r10, keep, take); (r3, r11) = Exchange(r3, r11, keep, take);
        (r4, r12) = Exchange(r4, r12, keep, take); (r5, r13) = Exchange(r5, r13, keep, take); (r6, r14) = Exchange(r6, r14, keep, take); (r7, r15) = Exchange(r7, r15, keep, take);
        r0.Store(d); r1.Store(d + ldd); r2.Store(d + 2 * ldd); r3.Store(d + 3 * ldd); r4.Store(d + 4 * ldd); r5.Store(d + 5 * ldd); r6.Store(d + 6 * ldd); r7.Store(d + 7 * ldd);
        r8.Store(d + 8 * ldd); r9.Store(d + 9 * ldd); r10.Store(d + 10 * ldd); r11.Store(d + 11 * ldd);
        r12.Store(d + 12 * ldd); r13.Store(d + 13 * ldd); r14.Store(d + 14 * ldd); r15.Store(d + 15 * ldd);
    }

    static void Block8(double* s, nint lds, double* d, nint ldd)
    {
        var r0 = Vector512.Load(s); var r1 = Vector512.Load(s + lds); var r2 = Vector512.Load(s + 2 * lds); var r3 = Vector512.Load(s + 3 * lds);
        var r4 = Vector512.Load(s + 4 * lds); var r5 = Vector512.Load(s + 5 * lds); var r6 = Vector512.Load(s + 6 * lds); var r7 = Vector512.Load(s + 7 * lds);
        var keep = Vector512.Create(0L, 8, 2, 10, 4, 12, 6, 14);
        var take = Vector512.Create(1L, 9, 3, 11, 5, 13, 7, 15);
        (r0, r1) = Exchange(r0, r1, keep, take); (r2, r3) = Exchange(r2, r3, keep, take); (r4, r5) = Exchange(r4, r5, keep, take); (r6, r7) = Exchange(r6, r7, keep, take);
        keep = Vector512.Create(0L, 1, 8, 9, 4, 5, 12, 13);
        take = Vector512.Create(2L, 3, 10, 11, 6, 7, 14, 15);
        (r0, r2) = Exchange(r0, r2, keep, take); (r1, r3) = Exchange(r1, r3, keep, take); (r4, r6) = Exchange(r4, r6, keep, take); (r5, r7) = Exchange(r5, r7, keep, take);
        keep = Vector512.Create(0L, 1, 2, 3, 8, 9, 10, 11);
        take = Vector512.Create(4L, 5, 6, 7, 12, 13, 14, 15);
        (r0, r4) = Exchange(r0, r4, keep, take); (r1, r5) = Exchange(r1, r5, keep, take); (r2, r6) = Exchange(r2, r6, keep, take); (r3, r7) = Exchange(r3, r7, keep, take);
        r0.Store(d); r1.Store(d + ldd); r2.Store(d + 2 * ldd); r3.Store(d + 3 * ldd); r4.Store(d + 4 * ldd); r5.Store(d + 5 * ldd); r6.Store(d + 6 * ldd); r7.Store(d + 7 * ldd);
    }
}
