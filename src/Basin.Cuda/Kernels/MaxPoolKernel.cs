using ILGPU;
using Basin.Devices;

namespace Basin.Cuda.Kernels;

/// <summary>Each output is the largest input of its window (of every image: one thread per output value).</summary>
internal static class MaxPoolKernel
{
    public static void Run(Index1D i, ArrayView<float> x, ArrayView<float> y, PoolShape s)
    {
        int index = i, ow = index % s.OW, oh = index / s.OW % s.OH;
        long plane = (long)(index / (s.OW * s.OH)) * s.H * s.W;
        int h0 = oh * s.Stride, w0 = ow * s.Stride;
        float max = x[plane + (long)h0 * s.W + w0];
        for (int h = h0; h < h0 + s.KH && h < s.H; h++)
            for (int w = w0; w < w0 + s.KW && w < s.W; w++)
                max = MathF.Max(max, x[plane + (long)h * s.W + w]);
        y[i] = max;
    }
}
