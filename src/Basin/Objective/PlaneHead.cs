using System.Numerics;
using System.Runtime.Intrinsics;
using Basin.Engine;
using Basin.Engine.Layers;
using Basin.Engine.Losses;

namespace Basin.Objective;

/// <summary>
/// The per-point layers of a plane pass for a network that ends in ReLU, linear(H, C) and cross-entropy on class labels
/// (an MLP with one hidden layer, the surfaces' usual case), float32 on AVX-512. Sixteen rows are held column-major, a
/// row per lane, so a 10-class row costs no per-row call: the hidden layer is mixed, rectified and multiplied in
/// registers, and softmax, cross-entropy and arg-max run across the rows. Every value is the one the layer-by-layer
/// pass computes, bit for bit: the same non-fused mixing, an FMA chain over k from zero per output (the GEMM's order),
/// the bias added after, exp as TensorPrimitives does it, a scalar log, and the loss summed in 128-row blocks.
/// </summary>
internal sealed unsafe class PlaneHead
{
    const int Lanes = 16, Block = 5;
    readonly int hidden, classes, classBlocks;
    readonly bool bias;

    PlaneHead(int hidden, int classes, bool bias)
    {
        this.hidden = hidden; this.classes = classes; this.bias = bias;
        classBlocks = (classes + Block - 1) / Block;
    }

    /// <summary>The head for the layers after <paramref name="first"/>, or null when they are not ReLU, linear, cross-entropy on labels.</summary>
    public static PlaneHead? For<T>(Network<T> network, int first, Loss<T> loss, int[]? labels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float) || !Vector512.IsHardwareAccelerated || labels is null || loss is not CrossEntropy<T>) return null;
        var layers = network.Layers;
        if (layers.Length != first + 3 || layers[first + 1] is not Activation<T> { Function: Relu<T> } || layers[first + 2] is not Linear<T> linear) return null;
        return new PlaneHead(linear.In, linear.Out, linear.Bias);
    }

    /// <summary>Floats a worker needs: the shard's Z0, Zx, Zy column-major in groups of 16 rows, and one group's hidden layer.</summary>
    public int WorkerLength(int batchSize) => 3 * Groups(batchSize) * Lanes * hidden + Lanes * hidden;

    /// <summary>Floats of the points' weights as <see cref="Run"/> reads them: per point, blocks of 5 classes interleaved over k, then the bias.</summary>
    public int PointLength => classBlocks * Block * hidden + classes;

    static int Groups(int rows) => (rows + Lanes - 1) / Lanes;

    /// <summary>Packs each point's tail (linear weight [C, H], then bias if any) for <see cref="Run"/>; missing classes of the last block are zero.</summary>
    public void PackPoints(ReadOnlySpan<float> tails, int tailLength, int points, Span<float> packed)
    {
        packed[..(points * PointLength)].Clear();
        for (int p = 0; p < points; p++)
        {
            var w = tails.Slice(p * tailLength, tailLength);
            var dst = packed.Slice(p * PointLength, PointLength);
            for (int c = 0; c < classes; c++)
                for (int k = 0; k < hidden; k++)
                    dst[(c / Block * hidden + k) * Block + c % Block] = w[c * hidden + k];
            if (bias) w.Slice(classes * hidden, classes).CopyTo(dst[(classBlocks * Block * hidden)..]);
        }
    }

    /// <summary>Z0, Zx, Zy ([rows, H] each) into the worker's column-major groups, rows past the shard zero.</summary>
    public void Transpose(ReadOnlySpan<float> z0, ReadOnlySpan<float> zx, ReadOnlySpan<float> zy, int rows, Span<float> worker)
    {
        int length = Groups(rows) * Lanes * hidden;
        var into = worker[..(3 * length)];
        into.Clear();
        for (int r = 0; r < rows; r++)
        {
            int g = r / Lanes, lane = r % Lanes;
            for (int k = 0; k < hidden; k++)
            {
                int at = (g * hidden + k) * Lanes + lane;
                into[at] = z0[r * hidden + k];
                into[length + at] = zx[r * hidden + k];
                into[2 * length + at] = zy[r * hidden + k];
            }
        }
    }

    /// <summary>
    /// Loss sums (in 128-row blocks, as <see cref="Loss{T}.Forward"/> per block) and correct counts of rows [r0, r0 + rows)
    /// of the shard at point (a, b), added to loss and correct. rows is a multiple of 16 except at the shard's end.
    /// </summary>
    public void Run(Span<float> worker, int shardRows, int r0, int rows, float a, float b, bool plane, ReadOnlySpan<float> point,
        ReadOnlySpan<int> labels, ref double loss, ref int correct)
    {
        int length = Groups(shardRows) * Lanes * hidden;
        float* m = stackalloc float[Lanes];
        float* s = stackalloc float[Lanes];
        int* best = stackalloc int[Lanes];
        var logits = stackalloc Vector512<float>[classBlocks * Block];
        fixed (float* z = worker, w = point)
        {
            float* h = z + 3 * length;
            double total = 0;
            for (int g = r0 / Lanes; g * Lanes < r0 + rows; g++)
            {
                Hidden(z + g * hidden * Lanes, length, a, b, plane, h);
                Logits(h, w, bias ? w + classBlocks * Block * hidden : null, logits);
                Softmax(logits, m, s, best);
                int n = Math.Min(Lanes, r0 + rows - g * Lanes);
                for (int lane = 0; lane < n; lane++)
                {
                    int y = labels[g * Lanes + lane];
                    total += (m[lane] + MathF.Log(s[lane])) - logits[y].GetElement(lane);
                    if (best[lane] == y) correct++;
                }
            }
            loss += total;
        }
    }

    /// <summary>h = relu((zx a + z0) + zy b) for a group, as two TensorPrimitives.MultiplyAdd calls and ReLU compute it.</summary>
    void Hidden(float* z0, int length, float a, float b, bool plane, float* h)
    {
        var va = Vector512.Create(a);
        var vb = Vector512.Create(b);
        for (int k = 0; k < hidden; k++)
        {
            int at = k * Lanes;
            var x = Vector512.Load(z0 + length + at) * va + Vector512.Load(z0 + at);
            if (plane) x = Vector512.Load(z0 + 2 * length + at) * vb + x;
            Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, x * Vector512<float>.Zero).Store(h + at);
        }
    }

    /// <summary>The logits of a group, five classes at a time: an FMA chain over k from zero per class, then the bias.</summary>
    void Logits(float* h, float* w, float* bias, Vector512<float>* logits)
    {
        for (int cb = 0; cb < classBlocks; cb++)
        {
            Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default;
            float* wk = w + cb * Block * hidden;
            for (int k = 0; k < hidden; k++, wk += Block)
            {
                var x = Vector512.Load(h + k * Lanes);
                c0 = Vector512.FusedMultiplyAdd(x, Vector512.Create(wk[0]), c0);
                c1 = Vector512.FusedMultiplyAdd(x, Vector512.Create(wk[1]), c1);
                c2 = Vector512.FusedMultiplyAdd(x, Vector512.Create(wk[2]), c2);
                c3 = Vector512.FusedMultiplyAdd(x, Vector512.Create(wk[3]), c3);
                c4 = Vector512.FusedMultiplyAdd(x, Vector512.Create(wk[4]), c4);
            }
            var l = logits + cb * Block;
            l[0] = c0; l[1] = c1; l[2] = c2; l[3] = c3; l[4] = c4;
        }
        if (bias is not null)
            for (int c = 0; c < classes; c++) logits[c] += Vector512.Create(bias[c]);
    }

    /// <summary>
    /// Per lane: m = the row's maximum, s = sum of exp(z - m) over the classes in order, best = the first index of the
    /// maximum as TensorPrimitives.IndexOfMax (the first NaN if any; its preference of +0 over an equal -0 never arises,
    /// as logits are sums started at +0, never -0).
    /// </summary>
    void Softmax(Vector512<float>* z, float* m, float* s, int* best)
    {
        var max = z[0];
        var top = z[0];
        var index = Vector512<int>.Zero;
        for (int c = 1; c < classes; c++)
        {
            var x = z[c];
            max = Vector512.Max(max, x);
            var take = Vector512.GreaterThan(x, top) | (~Vector512.Equals(x, x) & Vector512.Equals(top, top));
            top = Vector512.ConditionalSelect(take, x, top);
            index = Vector512.ConditionalSelect(take.AsInt32(), Vector512.Create(c), index);
        }
        var sum = Vector512.Exp(z[0] - max);
        for (int c = 1; c < classes; c++) sum += Vector512.Exp(z[c] - max);
        max.Store(m);
        sum.Store(s);
        index.Store(best);
    }
}
