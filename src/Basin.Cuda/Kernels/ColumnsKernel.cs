using ILGPU;

namespace Basin.Cuda.Kernels;

/// <summary>
/// Values in the batch's layout (images x channels x positions) as a convolution's GEMM operand, channels x (images x
/// positions): the inverse of <see cref="ChannelsKernel"/>'s reordering, for the gradients in the outputs.
/// </summary>
internal static class ColumnsKernel
{
    public static void Run(Index1D i, ArrayView<float> y, ArrayView<float> z, int channels, int positions, int images)
    {
        int o = i / (images * positions), rest = i % (images * positions);
        z[i] = y[((long)(rest / positions) * channels + o) * positions + rest % positions];
    }
}
