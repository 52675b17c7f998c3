using System.Numerics.Tensors;
using Basin.Engine.Layers;
using Basin.Tensors;

namespace Basin.Devices;

/// <summary>
/// The device operations on the CPU with the engine's own parts: its packed GEMM (threads over column panels, the same
/// bits whatever their number), its im2col unfold and fold, its activations' values and derivatives; the rest are loops
/// over arrays in index order, sums in float64. Memory is .NET arrays. Results agree with a GPU's to float32 rounding
/// (GEMM sums its k terms in blocks, a GPU in one run); the device passes on it agree with the engine's layer-by-layer
/// passes the same way.
/// </summary>
/// <param name="threads">Threads of a GEMM (0: one per core).</param>
internal sealed class CpuBackend(int threads = 0) : IBackend
{
    readonly int threads = threads > 0 ? threads : Environment.ProcessorCount;
    // An activation's derivatives at a chunk's pre-activations, and one image's unfolded columns (grown as needed).
    float[] first = [], second = [], unfolded = [];

    public string Describe => $"CPU ({threads} threads)";

    static Span<T> S<T>(DeviceBuffer<T> buffer) where T : unmanaged =>
        buffer.Exists ? ((T[])buffer.Storage!).AsSpan(checked((int)buffer.Offset), checked((int)buffer.Length)) : [];

    public DeviceBuffer<T> Allocate<T>(long length) where T : unmanaged => new(new T[checked((int)length)], 0, length);
    public DeviceBuffer<T> Upload<T>(T[] values) where T : unmanaged => new((T[])values.Clone(), 0, values.Length);
    public void CopyFrom<T>(T[] values, DeviceBuffer<T> to) where T : unmanaged => values.AsSpan(0, (int)to.Length).CopyTo(S(to));
    public T[] Download<T>(DeviceBuffer<T> from) where T : unmanaged => S(from).ToArray();
    public void Copy<T>(DeviceBuffer<T> from, DeviceBuffer<T> to) where T : unmanaged => S(from).CopyTo(S(to));
    public void Zero<T>(DeviceBuffer<T> buffer) where T : unmanaged => S(buffer).Clear();
    public void Free<T>(DeviceBuffer<T> buffer) where T : unmanaged { }
    public void Synchronize() { }

    static float[] Grown(ref float[] array, long length)
    {
        if (array.Length < length) array = new float[length];
        return array;
    }

    /// <summary>The engine's activation of a kind (identity: none).</summary>
    static IActivation<float>? Function(ActivationKind kind) => kind switch
    {
        ActivationKind.Relu => Relu,
        ActivationKind.Tanh => Tanh,
        ActivationKind.Sigmoid => Sigmoid,
        ActivationKind.Softplus => Softplus,
        _ => null,
    };

    static readonly IActivation<float> Relu = new Relu<float>(), Tanh = new Tanh<float>(), Sigmoid = new Sigmoid<float>(), Softplus = new Softplus<float>();

    /// <summary>f^(order) over the values, in place.</summary>
    static void Apply(Span<float> values, ActivationKind kind, int order)
    {
        var f = Function(kind);
        if (f is null)
        {
            if (order > 0) values.Fill(order == 1 ? 1f : 0f);
            return;
        }
        if (order == 0) f.Value(values, values);
        else if (order == 1) f.FirstDerivative(values, values);
        else f.SecondDerivative(values, values);
    }

    public void Gemm(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> c, GemmShape s)
    {
        // GemmShape's strides name the layouts: A transposed reads along its rows (ACol = m), B transposed along its columns.
        bool transA = s.ACol != 1, transB = s.BCol != 1;
        Tensors.Gemm.Multiply<float>(transA, transB, s.M, s.N, s.K, S(a), transA ? s.M : s.K, S(b), transB ? s.K : s.N, S(c), s.N, s.Accumulate != 0, threads);
    }

    public void Activation(DeviceBuffer<float> z, DeviceBuffer<float> bias, DeviceBuffer<float> output, int width, ActivationKind kind, int order)
    {
        Span<float> x = S(z), y = S(output), b = S(bias);
        if (b.IsEmpty) x.CopyTo(y);
        else
            for (int row = 0; row < x.Length; row += width) TensorPrimitives.Add(x.Slice(row, width), b, y.Slice(row, width));
        Apply(y, kind, order);
    }

    public void ActivationDerivative(DeviceBuffer<float> z, DeviceBuffer<float> u, DeviceBuffer<float> w, DeviceBuffer<float> r, DeviceBuffer<float> output,
        ActivationKind kind)
    {
        int n = (int)z.Length;
        Span<float> d1 = Grown(ref first, n).AsSpan(0, n), y = S(output);
        S(z).CopyTo(d1);
        Apply(d1, kind, 1);
        if (w.Length == 0)
        {
            TensorPrimitives.Multiply(S(u), d1, y);
            return;
        }
        Span<float> d2 = Grown(ref second, n).AsSpan(0, n);
        S(z).CopyTo(d2);
        Apply(d2, kind, 2);
        ReadOnlySpan<float> us = S(u), ws = S(w), rs = S(r);
        for (int i = 0; i < n; i++) y[i] = us[i] * d1[i] + ws[i] * d2[i] * rs[i];
    }

    public void Add(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> y, long count) =>
        TensorPrimitives.Add(S(a.Take(count)), S(b.Take(count)), S(y.Take(count)));

    public void PlanePoint(DeviceBuffer<float> theta, DeviceBuffer<float> dx, DeviceBuffer<float> dy, DeviceBuffer<float> point, float a, float b)
    {
        Span<float> t = S(theta), x = S(dx), y = S(dy), p = S(point);
        for (int i = 0; i < t.Length; i++) p[i] = t[i] + a * x[i] + b * y[i];
    }

    static Im2Col Geometry(ConvShape s) => new(s.C, s.H, s.W, s.K, s.Stride, s.Padding);

    public void Im2Col(DeviceBuffer<float> x, DeviceBuffer<float> cols, ConvShape s)
    {
        var geometry = Geometry(s);
        int positions = s.OH * s.OW, image = s.C * s.H * s.W;
        Span<float> one = Grown(ref unfolded, (long)s.Rows * positions).AsSpan(0, s.Rows * positions), all = S(cols), input = S(x);
        for (int b = 0; b < s.Images; b++)
        {
            geometry.Unfold<float>(input.Slice(b * image, image), one);
            for (int row = 0; row < s.Rows; row++) one.Slice(row * positions, positions).CopyTo(all.Slice(row * s.Columns + b * positions, positions));
        }
    }

    public void Col2Im(DeviceBuffer<float> cols, DeviceBuffer<float> x, ConvShape s)
    {
        var geometry = Geometry(s);
        int positions = s.OH * s.OW, image = s.C * s.H * s.W;
        Span<float> all = S(cols), output = S(x);
        for (int b = 0; b < s.Images; b++) geometry.Fold<float>(all[(b * positions)..], s.Columns, output.Slice(b * image, image));
    }

    public void Channels(DeviceBuffer<float> z, DeviceBuffer<float> bias, DeviceBuffer<float> y, int channelCount, int positions, int images, ActivationKind kind)
    {
        Span<float> from = S(z), to = S(y), b = S(bias);
        for (int image = 0; image < images; image++)
        for (int c = 0; c < channelCount; c++)
        {
            var row = to.Slice((image * channelCount + c) * positions, positions);
            from.Slice((c * images + image) * positions, positions).CopyTo(row);
            if (!b.IsEmpty) TensorPrimitives.Add(row, b[c], row);
        }
        Apply(to[..(images * channelCount * positions)], kind, 0);
    }

    public void Columns(DeviceBuffer<float> y, DeviceBuffer<float> z, int channelCount, int positions, int images)
    {
        Span<float> from = S(y), to = S(z);
        for (int image = 0; image < images; image++)
        for (int c = 0; c < channelCount; c++)
            from.Slice((image * channelCount + c) * positions, positions).CopyTo(to.Slice((c * images + image) * positions, positions));
    }

    /// <summary>The window's clipped ranges (ceil mode: a last window may hang over the input).</summary>
    static (int H0, int H1, int W0, int W1) Window(PoolShape s, int oh, int ow) =>
        (oh * s.Stride, Math.Min(oh * s.Stride + s.KH, s.H), ow * s.Stride, Math.Min(ow * s.Stride + s.KW, s.W));

    /// <summary>The index on the plane of a window's first maximal input; a NaN wins at once (the engine's rule).</summary>
    static int Winner(ReadOnlySpan<float> plane, PoolShape s, int oh, int ow)
    {
        var (h0, h1, w0, w1) = Window(s, oh, ow);
        int best = h0 * s.W + w0;
        if (float.IsNaN(plane[best])) return best;
        for (int h = h0; h < h1; h++)
        for (int w = w0; w < w1; w++)
        {
            int at = h * s.W + w;
            if (float.IsNaN(plane[at])) return at;
            if (plane[at] > plane[best]) best = at;
        }
        return best;
    }

    /// <summary>Every window of every plane (images x channels): the plane's offset in the input, the output's index, its position.</summary>
    static IEnumerable<(int Plane, int Output, int OH, int OW)> Windows(PoolShape s, int images)
    {
        for (int plane = 0; plane < images * s.C; plane++)
        for (int oh = 0; oh < s.OH; oh++)
        for (int ow = 0; ow < s.OW; ow++) yield return (plane * s.H * s.W, plane * s.OH * s.OW + oh * s.OW + ow, oh, ow);
    }

    public void MaxPool(DeviceBuffer<float> x, DeviceBuffer<float> y, PoolShape s, int images)
    {
        Span<float> input = S(x), output = S(y);
        foreach (var (plane, o, oh, ow) in Windows(s, images)) output[o] = input[plane + Winner(input.Slice(plane, s.H * s.W), s, oh, ow)];
    }

    public void MaxPoolBackward(DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx, PoolShape s, int images)
    {
        Span<float> input = S(x), gradient = S(dy), result = S(dx);
        result[..(images * s.C * s.H * s.W)].Clear();
        foreach (var (plane, o, oh, ow) in Windows(s, images)) result[plane + Winner(input.Slice(plane, s.H * s.W), s, oh, ow)] += gradient[o];
    }

    public void MaxPoolTangent(DeviceBuffer<float> x, DeviceBuffer<float> r, DeviceBuffer<float> y, PoolShape s, int images)
    {
        Span<float> input = S(x), tangent = S(r), output = S(y);
        foreach (var (plane, o, oh, ow) in Windows(s, images)) output[o] = tangent[plane + Winner(input.Slice(plane, s.H * s.W), s, oh, ow)];
    }

    public void AvgPool(DeviceBuffer<float> x, DeviceBuffer<float> y, PoolShape s, int images)
    {
        Span<float> input = S(x), output = S(y);
        foreach (var (plane, o, oh, ow) in Windows(s, images))
        {
            var (h0, h1, w0, w1) = Window(s, oh, ow);
            float sum = 0;
            for (int h = h0; h < h1; h++)
            for (int w = w0; w < w1; w++) sum += input[plane + h * s.W + w];
            output[o] = sum / ((h1 - h0) * (w1 - w0));
        }
    }

    public void AvgPoolBackward(DeviceBuffer<float> dy, DeviceBuffer<float> dx, PoolShape s, int images)
    {
        Span<float> gradient = S(dy), result = S(dx);
        result[..(images * s.C * s.H * s.W)].Clear();
        foreach (var (plane, o, oh, ow) in Windows(s, images))
        {
            var (h0, h1, w0, w1) = Window(s, oh, ow);
            float share = gradient[o] / ((h1 - h0) * (w1 - w0));
            for (int h = h0; h < h1; h++)
            for (int w = w0; w < w1; w++) result[plane + h * s.W + w] += share;
        }
    }

    public void BatchNorm(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<float> weight, DeviceBuffer<float> bias, DeviceBuffer<float> statistics,
        int channels, int positions, float eps, ActivationKind kind, long count)
    {
        Span<float> input = S(x), output = S(y), w = S(weight), b = S(bias), stats = S(statistics);
        for (int at = 0; at < count; at += positions)
        {
            int c = at / positions % channels;
            float scale = (w.IsEmpty ? 1f : w[c]) / MathF.Sqrt(stats[channels + c] + eps), shift = b.IsEmpty ? 0f : b[c];
            for (int i = at; i < at + positions; i++) output[i] = (input[i] - stats[c]) * scale + shift;
        }
        Apply(output[..(int)count], kind, 0);
    }

    public void NormScale(DeviceBuffer<float> src, DeviceBuffer<float> weight, DeviceBuffer<float> statistics, DeviceBuffer<float> dst, int channelCount,
        int positions, float eps, bool accumulate, long count)
    {
        Span<float> from = S(src), to = S(dst), w = S(weight), stats = S(statistics);
        for (int at = 0; at < count; at += positions)
        {
            int c = at / positions % channelCount;
            float scale = (w.IsEmpty ? 1f : w[c]) / MathF.Sqrt(stats[channelCount + c] + eps);
            for (int i = at; i < at + positions; i++) to[i] = accumulate ? to[i] + from[i] * scale : from[i] * scale;
        }
    }

    public void NormBackward(DeviceBuffer<float> dy, DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> statistics, DeviceBuffer<float> sums,
        DeviceBuffer<float> dx, int channelCount, int positions, float eps, int images)
    {
        Span<float> g = S(dy), input = S(x), w = S(weight), stats = S(statistics), sum = S(sums), result = S(dx);
        int n = images * positions;
        for (int at = 0; at < images * channelCount * positions; at += positions)
        {
            int c = at / positions % channelCount;
            float inverse = 1f / MathF.Sqrt(stats[channelCount + c] + eps), scale = (w.IsEmpty ? 1f : w[c]) * inverse;
            float meanDy = sum[c] / n, meanDyXhat = sum[channelCount + c] / n;
            for (int i = at; i < at + positions; i++) result[i] = scale * (g[i] - meanDy - (input[i] - stats[c]) * inverse * meanDyXhat);
        }
    }

    public void ChannelReduce(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> statistics, DeviceBuffer<float> output, ReduceShape s)
    {
        Span<float> x = S(a), y = S(b), stats = S(statistics), result = S(output);
        for (int c = 0; c < s.Channels; c++)
        {
            float mean = s.Mode is 1 or 3 ? stats[c] : 0f;
            float inverse = s.Mode is 0 or 3 ? 1f : 1f / MathF.Sqrt(stats[s.Channels + c] + s.Eps);
            double sum = 0;
            for (int image = 0; image < s.Images; image++)
            for (int i = (image * s.Channels + c) * s.Positions, end = i + s.Positions; i < end; i++)
                sum += s.Mode switch
                {
                    0 => x[i],
                    3 => (x[i] - mean) * (x[i] - mean),
                    _ => x[i] * ((y[i] - mean) * inverse),
                };
            if (s.Mean != 0) sum /= (double)s.Images * s.Positions;
            result[c] = s.Accumulate != 0 ? result[c] + (float)sum : (float)sum;
        }
    }

    public void CrossEntropy(DeviceBuffer<float> logits, DeviceBuffer<int> labels, DeviceBuffer<double> loss, DeviceBuffer<double> correct, int classes)
    {
        Span<float> z = S(logits);
        Span<int> y = S(labels);
        Span<double> l = S(loss), right = S(correct);
        for (int row = 0; row < y.Length; row++)
        {
            var zs = z.Slice(row * classes, classes);
            int argmax = 0;
            for (int c = 1; c < classes; c++)
                if (zs[c] > zs[argmax]) argmax = c;
            float max = zs[argmax];
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.Exp((double)zs[c] - max);
            l[row] = Math.Log(sum) + max - zs[y[row]];
            right[row] = argmax == y[row] ? 1 : 0;
        }
    }

    public void CrossEntropyBackward(DeviceBuffer<float> logits, DeviceBuffer<int> labels, DeviceBuffer<float> delta, DeviceBuffer<float> rz,
        DeviceBuffer<float> rdelta, int classes)
    {
        Span<float> z = S(logits), d = S(delta), r = S(rz), rd = S(rdelta);
        Span<int> y = S(labels);
        Span<double> p = stackalloc double[classes];
        for (int row = 0; row < y.Length; row++)
        {
            int o = row * classes;
            float max = TensorPrimitives.Max(z.Slice(o, classes));
            double sum = 0, dot = 0;
            for (int c = 0; c < classes; c++) sum += p[c] = Math.Exp((double)z[o + c] - max);
            for (int c = 0; c < classes; c++)
            {
                p[c] /= sum;
                d[o + c] = (float)(c == y[row] ? p[c] - 1 : p[c]);
                if (!r.IsEmpty) dot += p[c] * r[o + c];
            }
            if (r.IsEmpty) continue;
            for (int c = 0; c < classes; c++) rd[o + c] = (float)(p[c] * (r[o + c] - dot));
        }
    }

    public void Sums(DeviceBuffer<double> values, DeviceBuffer<double> total, int n, int segment)
    {
        Span<double> v = S(values), t = S(total);
        for (int g = 0; g * segment < Math.Max(n, 1); g++)
        {
            double sum = 0;
            for (int i = g * segment; i < Math.Min(n, (g + 1) * segment); i++) sum += v[i];
            t[g] = sum;
        }
    }

    public void Augment(DeviceBuffer<float> x, DeviceBuffer<int> shifts, DeviceBuffer<float> fill, DeviceBuffer<float> y, int channels, int height, int width,
        int images)
    {
        Span<float> from = S(x), to = S(y), pad = S(fill);
        Span<int> draw = S(shifts);
        for (int image = 0, i = 0; image < images; image++)
        {
            int top = draw[3 * image], left = draw[3 * image + 1];
            bool flip = draw[3 * image + 2] != 0;
            for (int c = 0; c < channels; c++)
            for (int h = 0; h < height; h++)
            for (int w = 0; w < width; w++, i++)
            {
                int sh = h + top, sw = (flip ? width - 1 - w : w) + left;
                to[i] = (uint)sh < (uint)height && (uint)sw < (uint)width ? from[((image * channels + c) * height + sh) * width + sw] : pad[c];
            }
        }
    }

    public void Gather(DeviceBuffer<float> x, DeviceBuffer<int> labels, DeviceBuffer<int> indices, DeviceBuffer<float> y, DeviceBuffer<int> yLabels, int width)
    {
        Span<float> from = S(x), to = S(y);
        Span<int> at = S(indices), l = S(labels), yl = S(yLabels);
        for (int row = 0; row < at.Length; row++)
        {
            from.Slice(at[row] * width, width).CopyTo(to.Slice(row * width, width));
            yl[row] = l[at[row]];
        }
    }
}
