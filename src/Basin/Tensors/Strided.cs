using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Basin.Tensors;

/// <summary>
/// Every stride-th element of a span, read out (a strided convolution's unfold) or added into (its fold). Stride 2 on
/// AVX-512 takes 16 floats or 8 doubles a step: two loads and a two-source permute of the even (and odd) lanes; the
/// inverse permute interleaves two vectors (a Winograd tile row's two output columns).
/// </summary>
internal static class Strided
{
    static readonly Vector512<int> EvenSingles = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    static readonly Vector512<long> EvenDoubles = Vector512.Create(0L, 2, 4, 6, 8, 10, 12, 14);

    /// <summary>Whether <see cref="Split{T}"/> runs here: AVX-512 and float32 or float64.</summary>
    public static bool CanSplit<T>() => Avx512F.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    /// <summary>The even and odd elements of the 2 * lanes elements lo, hi: two-source permutes (AVX-512, float32 or float64).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<T> Even, Vector512<T> Odd) Split<T>(Vector512<T> lo, Vector512<T> hi)
    {
        if (typeof(T) == typeof(float))
            return (Avx512F.PermuteVar16x32x2(lo.AsSingle(), EvenSingles, hi.AsSingle()).As<float, T>(),
                Avx512F.PermuteVar16x32x2(lo.AsSingle(), EvenSingles + Vector512<int>.One, hi.AsSingle()).As<float, T>());
        return (Avx512F.PermuteVar8x64x2(lo.AsDouble(), EvenDoubles, hi.AsDouble()).As<double, T>(),
            Avx512F.PermuteVar8x64x2(lo.AsDouble(), EvenDoubles + Vector512<long>.One, hi.AsDouble()).As<double, T>());
    }

    static readonly Vector512<int> LowSingles = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    static readonly Vector512<long> LowDoubles = Vector512.Create(0L, 8, 1, 9, 2, 10, 3, 11);

    /// <summary>The lanes of a and b alternated, a0 b0 a1 b1 ..., in two vectors: the inverse of <see cref="Split{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<T> Lo, Vector512<T> Hi) Interleave<T>(Vector512<T> a, Vector512<T> b)
    {
        if (typeof(T) == typeof(float))
            return (Avx512F.PermuteVar16x32x2(a.AsSingle(), LowSingles, b.AsSingle()).As<float, T>(),
                Avx512F.PermuteVar16x32x2(a.AsSingle(), LowSingles + Vector512.Create(8), b.AsSingle()).As<float, T>());
        return (Avx512F.PermuteVar8x64x2(a.AsDouble(), LowDoubles, b.AsDouble()).As<double, T>(),
            Avx512F.PermuteVar8x64x2(a.AsDouble(), LowDoubles + Vector512.Create(4L), b.AsDouble()).As<double, T>());
    }

    /// <summary>dst[i] = src[start + i * stride].</summary>
    public static void Gather<T>(ReadOnlySpan<T> src, int start, int stride, Span<T> dst) where T : unmanaged
    {
        int n = dst.Length, i = 0;
        if (n == 0) return;
        if ((uint)start > (uint)src.Length || (long)start + (long)(n - 1) * stride >= src.Length) throw new ArgumentOutOfRangeException(nameof(start));
        ref T s = ref Unsafe.Add(ref MemoryMarshal.GetReference(src), start);
        ref T d = ref MemoryMarshal.GetReference(dst);
        // Full-width steps read 2 * lanes elements from s + 2i; the last must stay inside src.
        int room = src.Length - start, lanes = Vector512<T>.Count;
        if (stride == 2 && CanSplit<T>())
            for (; i + lanes <= n && 2 * (i + lanes) <= room; i += lanes)
                Split(Vector512.LoadUnsafe(ref s, (nuint)(2 * i)), Vector512.LoadUnsafe(ref s, (nuint)(2 * i + lanes))).Even.StoreUnsafe(ref d, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i * stride);
    }

    /// <summary>even[i] = src[2i], odd[i] = src[2i + 1]: a row split into its two phases (even.Length = ceil(n / 2), odd.Length = floor(n / 2)).</summary>
    public static void Deinterleave<T>(ReadOnlySpan<T> src, Span<T> even, Span<T> odd) where T : unmanaged
    {
        int n = src.Length, i = 0, lanes = Vector512<T>.Count;
        if (even.Length != (n + 1) / 2 || odd.Length != n / 2) throw new ArgumentException("phase lengths do not match the row");
        if (n == 0) return;
        ref T s = ref MemoryMarshal.GetReference(src);
        ref T e = ref MemoryMarshal.GetReference(even);
        ref T o = ref MemoryMarshal.GetReference(odd);
        if (CanSplit<T>())
            for (; 2 * (i + lanes) <= n; i += lanes)
            {
                var (ev, od) = Split(Vector512.LoadUnsafe(ref s, (nuint)(2 * i)), Vector512.LoadUnsafe(ref s, (nuint)(2 * i + lanes)));
                ev.StoreUnsafe(ref e, (nuint)i);
                od.StoreUnsafe(ref o, (nuint)i);
            }
        for (; 2 * i + 1 < n; i++)
        {
            Unsafe.Add(ref e, i) = Unsafe.Add(ref s, 2 * i);
            Unsafe.Add(ref o, i) = Unsafe.Add(ref s, 2 * i + 1);
        }
        if (2 * i < n) Unsafe.Add(ref e, i) = Unsafe.Add(ref s, 2 * i);
    }

    /// <summary>dst[start + i * stride] += values[i], in order of i.</summary>
    public static void AddTo<T>(ReadOnlySpan<T> values, Span<T> dst, int start, int stride) where T : unmanaged, IAdditionOperators<T, T, T>
    {
        int n = values.Length;
        if (n == 0) return;
        if ((uint)start > (uint)dst.Length || (long)start + (long)(n - 1) * stride >= dst.Length) throw new ArgumentOutOfRangeException(nameof(start));
        ref T v = ref MemoryMarshal.GetReference(values);
        ref T d = ref Unsafe.Add(ref MemoryMarshal.GetReference(dst), start);
        for (int i = 0; i < n; i++) Unsafe.Add(ref d, i * stride) += Unsafe.Add(ref v, i);
    }
}
