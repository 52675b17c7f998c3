using ILGPU;

namespace Basin.Cuda.Kernels;

/// <summary>
/// dst = src w[c] / sqrt(var[c] + eps) (added to dst when <paramref name="accumulate"/> is set; w = 1 when empty): eval-mode
/// BatchNorm's derivative in its input, for backward and for the R-operator's tangents.
/// </summary>
internal static class NormScaleKernel
{
    public static void Run(Index1D i, ArrayView<float> src, ArrayView<float> weight, ArrayView<float> statistics, ArrayView<float> dst, int channels,
        int positions, float eps, int accumulate)
    {
        int c = i / positions % channels;
        float v = src[i] * ((weight.Length > 0 ? weight[c] : 1f) / MathF.Sqrt(statistics[channels + c] + eps));
        dst[i] = accumulate != 0 ? dst[i] + v : v;
    }
}
