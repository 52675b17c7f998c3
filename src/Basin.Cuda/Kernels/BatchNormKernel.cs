using ILGPU;
using Basin.Devices;

namespace Basin.Cuda.Kernels;

/// <summary>
/// BatchNorm in eval mode, then an activation: y = f((x - mean[c]) w[c] / sqrt(var[c] + eps) + b[c]) with the running
/// statistics, for examples of <paramref name="channels"/> channels of <paramref name="positions"/> values each (w = 1,
/// b = 0 without affine parameters: empty views).
/// </summary>
internal static class BatchNormKernel
{
    public static void Run(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> statistics,
        int channels, int positions, float eps, int kind)
    {
        int c = i / positions % channels;
        float scale = (weight.Length > 0 ? weight[c] : 1f) / MathF.Sqrt(statistics[channels + c] + eps);
        float v = (x[i] - statistics[c]) * scale + (bias.Length > 0 ? bias[c] : 0f);
        y[i] = ActivationKernel.Apply(v, (ActivationKind)kind, 0);
    }
}
