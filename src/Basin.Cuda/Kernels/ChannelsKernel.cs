using ILGPU;
using Basin.Devices;

namespace Basin.Cuda.Kernels;

/// <summary>
/// A convolution's GEMM result (channels x (images x positions)) back in the batch's layout (images x channels x
/// positions), with each channel's bias added and the activation applied.
/// </summary>
internal static class ChannelsKernel
{
    public static void Run(Index1D i, ArrayView<float> z, ArrayView<float> bias, ArrayView<float> y, int channels, int positions, int images, int kind)
    {
        int b = i / (channels * positions), o = i / positions % channels, p = i % positions;
        float v = z[(long)o * images * positions + (long)b * positions + p] + (bias.Length > 0 ? bias[o] : 0f);
        y[i] = ActivationKernel.Apply(v, (ActivationKind)kind, 0);
    }
}
