using ILGPU;
using Basin.Devices;

namespace Basin.Cuda.Kernels;

/// <summary>Each input gathers dy / (window size) from the windows (clipped to the input) that hold it: average pooling's adjoint.</summary>
internal static class AvgPoolBackwardKernel
{
    public static void Run(Index1D i, ArrayView<float> dy, ArrayView<float> dx, PoolShape s)
    {
        int w = i % s.W, h = i / s.W % s.H;
        long plane = (long)((int)i / (s.W * s.H)) * s.OH * s.OW;
        float sum = 0;
        for (int oh = MaxPoolBackwardKernel.First(h, s.KH, s.Stride); oh <= h / s.Stride && oh < s.OH; oh++)
            for (int ow = MaxPoolBackwardKernel.First(w, s.KW, s.Stride); ow <= w / s.Stride && ow < s.OW; ow++)
            {
                int h0 = oh * s.Stride, w0 = ow * s.Stride;
                sum += dy[plane + (long)oh * s.OW + ow] / ((Math.Min(h0 + s.KH, s.H) - h0) * (Math.Min(w0 + s.KW, s.W) - w0));
            }
        dx[i] = sum;
    }
}
