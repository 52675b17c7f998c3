using ILGPU;
using Basin.Devices;

namespace Basin.Cuda.Kernels;

/// <summary>Each output is the mean of its window clipped to the input (of every image: one thread per output value).</summary>
internal static class AvgPoolKernel
{
    public static void Run(Index1D i, ArrayView<float> x, ArrayView<float> y, PoolShape s)
    {
        int index = i, ow = index % s.OW, oh = index / s.OW % s.OH;
        long plane = (long)(index / (s.OW * s.OH)) * s.H * s.W;
        int h0 = oh * s.Stride, w0 = ow * s.Stride, h1 = Math.Min(h0 + s.KH, s.H), w1 = Math.Min(w0 + s.KW, s.W);
        float sum = 0;
        for (int h = h0; h < h1; h++)
            for (int w = w0; w < w1; w++)
                sum += x[plane + (long)h * s.W + w];
        y[i] = sum / ((h1 - h0) * (w1 - w0));
    }
}
