using ILGPU;
using Basin.Devices;

namespace Basin.Cuda.Kernels;

/// <summary>Max pooling's R-operator: each output takes the tangent r at its window's winner in x.</summary>
internal static class MaxPoolTangentKernel
{
    public static void Run(Index1D i, ArrayView<float> x, ArrayView<float> r, ArrayView<float> y, PoolShape s)
    {
        int ow = i % s.OW, oh = i / s.OW % s.OH;
        y[i] = r[MaxPoolBackwardKernel.ArgMax(x, (long)((int)i / (s.OW * s.OH)) * s.H * s.W, oh, ow, s)];
    }
}
