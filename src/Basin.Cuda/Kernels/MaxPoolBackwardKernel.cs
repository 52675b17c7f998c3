using ILGPU;
using Basin.Devices;

namespace Basin.Cuda.Kernels;

/// <summary>
/// Max pooling's adjoint as a gather: each input adds, in window order, dy of the windows whose winner it is (the engine's
/// rule: the first maximal element, a NaN winning at once). Run on R(dy) it is the R-operator's backward too.
/// </summary>
internal static class MaxPoolBackwardKernel
{
    public static void Run(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, PoolShape s)
    {
        int w = i % s.W, h = i / s.W % s.H, image = i / (s.W * s.H);
        long plane = (long)image * s.H * s.W, outputs = (long)image * s.OH * s.OW;
        float sum = 0;
        for (int oh = First(h, s.KH, s.Stride); oh <= h / s.Stride && oh < s.OH; oh++)
            for (int ow = First(w, s.KW, s.Stride); ow <= w / s.Stride && ow < s.OW; ow++)
                if (ArgMax(x, plane, oh, ow, s) == plane + (long)h * s.W + w) sum += dy[outputs + (long)oh * s.OW + ow];
        dx[i] = sum;
    }

    /// <summary>The first window along an axis that holds position p: ceil((p - k + 1) / stride), at least 0.</summary>
    public static int First(int p, int k, int stride) => p - k + 1 <= 0 ? 0 : (p - k + stride) / stride;

    /// <summary>The index in x of window (oh, ow)'s winner on the plane starting at <paramref name="plane"/>.</summary>
    public static long ArgMax(ArrayView<float> x, long plane, int oh, int ow, PoolShape s)
    {
        int h0 = oh * s.Stride, w0 = ow * s.Stride;
        long best = plane + (long)h0 * s.W + w0;
        float max = x[best];
        if (float.IsNaN(max)) return best;
        for (int h = h0; h < h0 + s.KH && h < s.H; h++)
            for (int w = w0; w < w0 + s.KW && w < s.W; w++)
            {
                long at = plane + (long)h * s.W + w;
                float v = x[at];
                if (float.IsNaN(v)) return at;
                if (v > max)
                {
                    max = v;
                    best = at;
                }
            }
        return best;
    }
}
