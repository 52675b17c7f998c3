using ILGPU;

namespace Basin.Cuda.Kernels;

/// <summary>y = a + b: a residual block's two branches joined.</summary>
internal static class AddKernel
{
    public static void Run(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y) => y[i] = a[i] + b[i];
}
