using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Basin.Tensors;

/// <summary>
/// Every stride-th element of a span, read out (a strided convolution's unfold) or added into (its fold). Stride 2 on
/// AVX-512 takes 16 floats or 8 doubles a step: two loads and one two-source permute of the even lanes; an add goes
/// element by element in the same order whatever the path, so the bits do not depend on it.
/// </summary>
internal static class Strided
{
    /// <summary>dst[i] = src[start + i * stride].</summary>
    public static void Gather<T>(ReadOnlySpan<T> src, int start, int stride, Span<T> dst) where T : unmanaged
    {
        int n = dst.Length, i = 0;
        if (n == 0) return;
        if ((uint)start > (uint)src.Length || (long)start + (long)(n - 1) * stride >= src.Length) throw new ArgumentOutOfRangeException(nameof(start));
        ref T s = ref Unsafe.Add(ref MemoryMarshal.GetReference(src), start);
        ref T d = ref MemoryMarshal.GetReference(dst);
        // Full-width steps read 2 * lanes elements from s + 2i; the last must stay inside src.
        int room = src.Length - start;
        if (stride == 2 && Avx512F.IsSupported)
        {
            if (typeof(T) == typeof(float))
            {
                var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
                for (; i + 16 <= n && 2 * i + 32 <= room; i += 16)
                {
                    ref float at = ref Unsafe.As<T, float>(ref Unsafe.Add(ref s, 2 * i));
                    var v = Avx512F.PermuteVar16x32x2(Vector512.LoadUnsafe(ref at), even, Vector512.LoadUnsafe(ref at, 16));
                    v.StoreUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref d, i)));
                }
            }
            else if (typeof(T) == typeof(double))
            {
                var even = Vector512.Create(0L, 2, 4, 6, 8, 10, 12, 14);
                for (; i + 8 <= n && 2 * i + 16 <= room; i += 8)
                {
                    ref double at = ref Unsafe.As<T, double>(ref Unsafe.Add(ref s, 2 * i));
                    var v = Avx512F.PermuteVar8x64x2(Vector512.LoadUnsafe(ref at), even, Vector512.LoadUnsafe(ref at, 8));
                    v.StoreUnsafe(ref Unsafe.As<T, double>(ref Unsafe.Add(ref d, i)));
                }
            }
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i * stride);
    }

    /// <summary>even[i] = src[2i], odd[i] = src[2i + 1]: a row split into its two phases (even.Length = ceil(n / 2), odd.Length = floor(n / 2)).</summary>
    public static void Deinterleave<T>(ReadOnlySpan<T> src, Span<T> even, Span<T> odd) where T : unmanaged
    {
        int n = src.Length, i = 0;
        if (even.Length != (n + 1) / 2 || odd.Length != n / 2) throw new ArgumentException("phase lengths do not match the row");
        if (n == 0) return;
        ref T s = ref MemoryMarshal.GetReference(src);
        ref T e = ref MemoryMarshal.GetReference(even);
        ref T o = ref MemoryMarshal.GetReference(odd);
        if (Avx512F.IsSupported && typeof(T) == typeof(float))
        {
            var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var odds = evens + Vector512<int>.One;
            for (; 2 * i + 32 <= n; i += 16)
            {
                ref float at = ref Unsafe.As<T, float>(ref Unsafe.Add(ref s, 2 * i));
                Vector512<float> lo = Vector512.LoadUnsafe(ref at), hi = Vector512.LoadUnsafe(ref at, 16);
                Avx512F.PermuteVar16x32x2(lo, evens, hi).StoreUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref e, i)));
                Avx512F.PermuteVar16x32x2(lo, odds, hi).StoreUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref o, i)));
            }
        }
        else if (Avx512F.IsSupported && typeof(T) == typeof(double))
        {
            var evens = Vector512.Create(0L, 2, 4, 6, 8, 10, 12, 14);
            var odds = evens + Vector512<long>.One;
            for (; 2 * i + 16 <= n; i += 8)
            {
                ref double at = ref Unsafe.As<T, double>(ref Unsafe.Add(ref s, 2 * i));
                Vector512<double> lo = Vector512.LoadUnsafe(ref at), hi = Vector512.LoadUnsafe(ref at, 8);
                Avx512F.PermuteVar8x64x2(lo, evens, hi).StoreUnsafe(ref Unsafe.As<T, double>(ref Unsafe.Add(ref e, i)));
                Avx512F.PermuteVar8x64x2(lo, odds, hi).StoreUnsafe(ref Unsafe.As<T, double>(ref Unsafe.Add(ref o, i)));
            }
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
