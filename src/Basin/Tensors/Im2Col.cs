using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Basin.Tensors;

/// <summary>
/// Unfolds one [C,H,W] image into the [C*k*k, OH*OW] column matrix of a k x k convolution (rows ordered
/// c, ki, kj as PyTorch's weight [out,in,kh,kw]), and folds columns back by summation (the adjoint).
/// </summary>
internal readonly struct Im2Col
{
    public readonly int Channels, Height, Width, Kernel, Stride, Padding, OutHeight, OutWidth;

    public Im2Col(int channels, int height, int width, int kernel, int stride, int padding)
    {
        Channels = channels; Height = height; Width = width; Kernel = kernel; Stride = stride; Padding = padding;
        OutHeight = (height + 2 * padding - kernel) / stride + 1;
        OutWidth = (width + 2 * padding - kernel) / stride + 1;
    }

    public int Rows => Channels * Kernel * Kernel;
    public int Columns => OutHeight * OutWidth;

    /// <summary>
    /// Whether the output is the input's size divided by the stride, rounded up (a "same" convolution, or ResNet's
    /// downsampling ones): then every column row is a shifted copy of one polyphase plane of the input.
    /// </summary>
    public bool Polyphase => OutHeight == (Height + Stride - 1) / Stride && OutWidth == (Width + Stride - 1) / Stride;

    public void Unfold<T>(ReadOnlySpan<T> image, Span<T> cols) where T : unmanaged, INumberBase<T> => Unfold(image, cols, Columns);

    /// <summary>The columns of one image with their rows <paramref name="rowStride"/> apart.</summary>
    public void Unfold<T>(ReadOnlySpan<T> image, Span<T> cols, int rowStride) where T : unmanaged, INumberBase<T>
    {
        if (Polyphase)
        {
            UnfoldGroup(image, 1, cols, rowStride);
            return;
        }
        int row = 0;
        for (int c = 0; c < Channels; c++)
        for (int ki = 0; ki < Kernel; ki++)
        for (int kj = 0; kj < Kernel; kj++, row++)
        {
            var dst = cols.Slice(row * rowStride, Columns);
            // Output columns [lo, hi) read the input row from lo * Stride - Padding + kj on, zeros around: one copy at stride 1.
            var (lo, hi) = Inside(kj);
            for (int oh = 0; oh < OutHeight; oh++)
            {
                int ih = oh * Stride - Padding + ki;
                var d = dst.Slice(oh * OutWidth, OutWidth);
                if ((uint)ih >= (uint)Height) { d.Clear(); continue; }
                int from = (c * Height + ih) * Width + lo * Stride - Padding + kj;
                for (int ow = 0; ow < lo; ow++) d[ow] = T.Zero;
                if (Stride == 1) image.Slice(from, hi - lo).CopyTo(d[lo..hi]);
                else Strided.Gather(image, from, Stride, d[lo..hi]);
                for (int ow = hi; ow < OutWidth; ow++) d[ow] = T.Zero;
            }
        }
    }

    /// <summary>
    /// The columns of <paramref name="count"/> images side by side ([Rows, count * Columns], image g's in columns
    /// g * Columns on), so one product serves them all; <see cref="Polyphase"/> geometries only. Input row
    /// ki - Padding + Stride oh, column kj - Padding + Stride ow is row oh + di, column ow + dj of the polyphase plane
    /// (p, q), with (di, p) = divmod(ki - Padding, Stride) and likewise (dj, q): so each column row is that plane shifted
    /// (a stride-1 convolution's plane is the input's own), and the planes of the group, stacked, shift in one copy.
    /// </summary>
    public void UnfoldGroup<T>(ReadOnlySpan<T> images, int count, Span<T> cols) where T : unmanaged, INumberBase<T> =>
        UnfoldGroup(images, count, cols, count * Columns);

    /// <summary>A group's columns with their rows <paramref name="rowStride"/> apart.</summary>
    public void UnfoldGroup<T>(ReadOnlySpan<T> images, int count, Span<T> cols, int rowStride) where T : unmanaged, INumberBase<T>
    {
        if (!Polyphase) throw new InvalidOperationException("only a polyphase geometry unfolds a group");
        int plane = OutHeight * OutWidth, phases = Stride * Stride, image = Channels * Height * Width;
        // Plane (c, p, q) of image g at ((c * Stride + p) * Stride + q) * count + g: a group's planes of one phase are adjacent.
        var planes = Stride == 1 && count == 1 ? [] : ThreadBuffers<T>.Planes(Channels * phases * count * plane);
        int stride = Stride;
        Span<T> Plane(Span<T> all, int c, int p, int q, int g) => all.Slice(((((c * stride + p) * stride + q) * count) + g) * plane, plane);
        // Kernel offset k reads phase offsets[k].Phase shifted by offsets[k].Shift; a phase no offset reads (a 1 x 1 kernel
        // at stride 2 reads only phase 0) is not split out.
        Span<(int Shift, int Phase)> offsets = stackalloc (int, int)[Kernel];
        Span<bool> used = stackalloc bool[Stride];
        for (int k = 0; k < Kernel; k++)
        {
            offsets[k] = FloorDivide(k - Padding);
            used[offsets[k].Phase] = true;
        }
        for (int g = 0; g < count && !planes.IsEmpty; g++)
        {
            var x = images.Slice(g * image, image);
            if (Stride == 1)
                for (int c = 0; c < Channels; c++) x.Slice(c * plane, plane).CopyTo(Plane(planes, c, 0, 0, g));
            else if (Stride == 2)
            {
                for (int c = 0; c < Channels; c++)
                    // Each input row is split once into the even and odd columns of its row phase.
                    for (int ih = 0; ih < 2 * OutHeight; ih++)
                    {
                        int p = ih % 2, m = ih / 2;
                        if (!used[p]) continue;
                        var even = Plane(planes, c, p, 0, g).Slice(m * OutWidth, OutWidth);
                        var odd = Plane(planes, c, p, 1, g).Slice(m * OutWidth, OutWidth);
                        if (ih >= Height) { even.Clear(); odd.Clear(); continue; }
                        Strided.Deinterleave(x.Slice((c * Height + ih) * Width, Width), even[..((Width + 1) / 2)], odd[..(Width / 2)]);
                        odd[(Width / 2)..].Clear();
                    }
            }
            else
                for (int c = 0; c < Channels; c++)
                for (int p = 0; p < Stride; p++)
                for (int q = 0; q < Stride; q++)
                {
                    if (!used[p] || !used[q]) continue;
                    var dst = Plane(planes, c, p, q, g);
                    for (int m = 0; m < OutHeight; m++)
                    {
                        var d = dst.Slice(m * OutWidth, OutWidth);
                        int ih = m * Stride + p, n = ih < Height ? Math.Max(0, (Width - q + Stride - 1) / Stride) : 0;
                        if (n > 0) Strided.Gather(x, (c * Height + ih) * Width + q, Stride, d[..n]);
                        d[n..].Clear();
                    }
                }
        }
        ReadOnlySpan<T> split = planes.IsEmpty ? images : planes;
        int row = 0, group = count * plane;
        for (int c = 0; c < Channels; c++)
        for (int ki = 0; ki < Kernel; ki++)
        for (int kj = 0; kj < Kernel; kj++, row++)
        {
            var (di, p) = offsets[ki];
            var (dj, q) = offsets[kj];
            ShiftedPlanes(split.Slice(((c * Stride + p) * Stride + q) * group, group), count, OutHeight, OutWidth, cols.Slice(row * rowStride, group), di, dj);
        }
    }

    (int Quotient, int Remainder) FloorDivide(int a)
    {
        int d = a >= 0 ? a / Stride : -((-a + Stride - 1) / Stride);
        return (d, a - d * Stride);
    }

    /// <summary>
    /// dst = each of <paramref name="count"/> stacked height x width planes shifted by (di, dj), with zeros where the
    /// shift leaves its plane: one block copy of the stack, then the rows that came from a neighbouring plane (or from
    /// outside) and the column that wrapped in from the neighbouring row are cleared.
    /// </summary>
    static void ShiftedPlanes<T>(ReadOnlySpan<T> planes, int count, int height, int width, Span<T> dst, int di, int dj) where T : unmanaged, INumberBase<T>
    {
        int shift = di * width + dj, n = planes.Length, plane = height * width;
        // A shift as large as the stack (a 3x3 kernel on one 1x1 image) leaves nothing to copy.
        int a = Math.Clamp(-shift, 0, n), b = Math.Clamp(n - shift, a, n);
        dst[..a].Clear();
        if (b > a) planes.Slice(a + shift, b - a).CopyTo(dst[a..b]);
        dst[b..].Clear();
        int r0 = Math.Clamp(-di, 0, height), r1 = Math.Clamp(height - di, 0, height);
        int lo = dj < 0 ? 0 : Math.Max(0, width - dj), hi = dj < 0 ? Math.Min(width, -dj) : width;
        for (int g = 0; g < count; g++)
        {
            var d = dst.Slice(g * plane, plane);
            d[..(r0 * width)].Clear();
            d[(r1 * width)..].Clear();
            if (dj == 0) continue;
            for (int r = r0; r < r1; r++)
                for (int col = r * width + lo; col < r * width + hi; col++) d[col] = T.Zero;
        }
    }

    /// <summary>The output columns [lo, hi) whose input column ow * Stride - Padding + kj lies inside the image.</summary>
    (int Lo, int Hi) Inside(int kj)
    {
        int first = Padding - kj, last = Width - 1 + Padding - kj;
        int lo = Math.Clamp(first <= 0 ? 0 : (first + Stride - 1) / Stride, 0, OutWidth);
        int hi = Math.Clamp(last < 0 ? 0 : last / Stride + 1, lo, OutWidth);
        return (lo, hi);
    }

    /// <summary>image = fold(cols), overwriting image.</summary>
    public void Fold<T>(ReadOnlySpan<T> cols, Span<T> image) where T : unmanaged, INumberBase<T> => Fold(cols, Columns, image);

    /// <summary>image = fold(cols) for columns whose rows lie <paramref name="stride"/> apart (an image's block of a group's).</summary>
    public void Fold<T>(ReadOnlySpan<T> cols, int stride, Span<T> image) where T : unmanaged, INumberBase<T>
    {
        if (Stride == 1)
        {
            FoldStrideOne(cols, stride, image);
            return;
        }
        image.Clear();
        int row = 0;
        for (int c = 0; c < Channels; c++)
        for (int ki = 0; ki < Kernel; ki++)
        for (int kj = 0; kj < Kernel; kj++, row++)
        {
            var srcRow = cols.Slice(row * stride, Columns);
            var (lo, hi) = Inside(kj);
            if (hi <= lo) continue;
            for (int oh = 0; oh < OutHeight; oh++)
            {
                int ih = oh * Stride - Padding + ki;
                if ((uint)ih >= (uint)Height) continue;
                var dst = image.Slice((c * Height + ih) * Width, Width);
                var s = srcRow.Slice(oh * OutWidth, OutWidth);
                Strided.AddTo(s[lo..hi], image, (c * Height + ih) * Width + lo * Stride - Padding + kj, Stride);
            }
        }
    }

    /// <summary>
    /// Fold at stride 1: each channel's column rows added, whole output rows at a time, into a zeroed plane padded by
    /// Padding on every side (a contribution that falls outside the image lands in the padding), then the plane's
    /// interior copied out. Every pixel sums its contributions in the same (ki, kj) order as one at a time: the same bits.
    /// </summary>
    void FoldStrideOne<T>(ReadOnlySpan<T> cols, int stride, Span<T> image) where T : unmanaged, INumberBase<T>
    {
        int width = Width + 2 * Padding, height = Height + 2 * Padding;
        var plane = ThreadBuffers<T>.Planes(height * width);
        ref T sum = ref MemoryMarshal.GetReference(plane);
        for (int c = 0; c < Channels; c++)
        {
            plane.Clear();
            for (int ki = 0; ki < Kernel; ki++)
            for (int kj = 0; kj < Kernel; kj++)
            {
                ref T row = ref MemoryMarshal.GetReference(cols.Slice(((c * Kernel + ki) * Kernel + kj) * stride, Columns));
                for (int oh = 0; oh < OutHeight; oh++)
                    AddRow(ref Unsafe.Add(ref row, oh * OutWidth), ref Unsafe.Add(ref sum, (oh + ki) * width + kj), OutWidth);
            }
            for (int ih = 0; ih < Height; ih++)
                plane.Slice((ih + Padding) * width + Padding, Width).CopyTo(image.Slice((c * Height + ih) * Width, Width));
        }
    }

    /// <summary>d[0, n) += v[0, n), element by element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AddRow<T>(ref T v, ref T d, int n) where T : unmanaged, INumberBase<T>
    {
        int i = 0;
        for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            (Vector512.LoadUnsafe(ref d, (nuint)i) + Vector512.LoadUnsafe(ref v, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        if (i <= n - Vector256<T>.Count)
        {
            (Vector256.LoadUnsafe(ref d, (nuint)i) + Vector256.LoadUnsafe(ref v, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
            i += Vector256<T>.Count;
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) += Unsafe.Add(ref v, i);
    }
}
