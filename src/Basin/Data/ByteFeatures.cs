using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Basin.Data;

/// <summary>
/// Examples stored as the unsigned bytes of their file (IDX images, CIFAR-10 records), in one or more segments of
/// fixed-size records (a record's pixels at <c>offset</c> within it), converted when read: byte / 255f, then per channel
/// (x - mean[c]) / std[c] when the set is normalized, each a float32 operation as torchvision's ToTensor and Normalize do.
/// </summary>
internal sealed class ByteFeatures : FeatureStore
{
    readonly ReadOnlyMemory<byte>[] segments;
    // Record index of each segment's first record, and past the last.
    readonly int[] starts;
    readonly int stride, offset, first;
    readonly float[]? mean, std;

    /// <param name="segments">Whole records, <paramref name="stride"/> bytes each.</param>
    /// <param name="mean">Per channel (the example's values are channel-major planes), with <paramref name="std"/>; null for none.</param>
    public ByteFeatures(ReadOnlyMemory<byte>[] segments, int stride, int offset, int size, float[]? mean = null, float[]? std = null)
        : this(segments, Starts(segments, stride), stride, offset, size, 0, segments.Sum(s => s.Length / stride), mean, std) { }

    ByteFeatures(ReadOnlyMemory<byte>[] segments, int[] starts, int stride, int offset, int size, int first, int count, float[]? mean, float[]? std)
        : base(count, size)
    {
        if (offset + size > stride) throw new ArgumentException("a record's values run past its end");
        if (mean is not null && (std is null || size % mean.Length != 0 || std.Length != mean.Length)) throw new ArgumentException("one mean and std per channel");
        this.segments = segments;
        this.starts = starts;
        this.stride = stride;
        this.offset = offset;
        this.first = first;
        this.mean = mean;
        this.std = std;
    }

    static int[] Starts(ReadOnlyMemory<byte>[] segments, int stride)
    {
        var starts = new int[segments.Length + 1];
        for (int s = 0; s < segments.Length; s++) starts[s + 1] = starts[s] + segments[s].Length / stride;
        return starts;
    }

    public override FeatureStore Slice(int first, int count)
    {
        Check(first, count, count * Size);
        return new ByteFeatures(segments, starts, stride, offset, Size, this.first + first, count, mean, std);
    }

    /// <summary>The bytes of example e (of the whole store, not the slice).</summary>
    ReadOnlySpan<byte> Pixels(int e)
    {
        int s = 0;
        while (e >= starts[s + 1]) s++;
        return segments[s].Span.Slice((e - starts[s]) * stride + offset, Size);
    }

    public override void CopyTo(int first, int count, Span<float> destination)
    {
        Check(first, count, destination.Length);
        int channels = mean?.Length ?? 1, plane = Size / channels;
        for (int e = 0; e < count; e++)
        {
            var x = destination.Slice(e * Size, Size);
            Scale(Pixels(this.first + first + e), x);
            if (mean is null) continue;
            for (int c = 0; c < channels; c++)
            {
                var p = x.Slice(c * plane, plane);
                TensorPrimitives.Subtract(p, mean[c], p);
                TensorPrimitives.Divide(p, std![c], p);
            }
        }
    }

    /// <summary>x = byte / 255f: a true division, as in ToTensor (widened 16 or 8 bytes at a time).</summary>
    static unsafe void Scale(ReadOnlySpan<byte> bytes, Span<float> x)
    {
        int i = 0, n = bytes.Length;
        fixed (byte* b = bytes)
        fixed (float* y = x)
        {
            if (Avx512F.IsSupported)
                for (; i + 16 <= n; i += 16)
                    Avx512F.Store(y + i, Avx512F.Divide(Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(b + i))), Vector512.Create(255f)));
            if (Avx2.IsSupported)
                for (; i + 8 <= n; i += 8)
                    Avx.Store(y + i, Avx.Divide(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(b + i)), Vector256.Create(255f)));
            for (; i < n; i++) y[i] = b[i] / 255f;
        }
    }
}
