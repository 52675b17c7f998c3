using ILGPU;

namespace Basin.Cuda.Kernels;

/// <summary>
/// Train-mode BatchNorm's derivative in its input, the batch statistics depending on x (Ioffe and Szegedy 2015):
/// dx = w[c] / s[c] (dy - sum(dy) / n - xhat sum(dy xhat) / n), xhat = (x - mean[c]) / s[c], s = sqrt(var + eps) from the
/// batch's statistics, and the sums over the batch's n values of channel c given (sum(dy) first, then sum(dy xhat)).
/// </summary>
internal static class NormBackwardKernel
{
    public static void Run(Index1D i, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> statistics, ArrayView<float> sums,
        ArrayView<float> dx, int channels, int positions, float eps, int n)
    {
        int c = i / positions % channels;
        float inverse = 1f / MathF.Sqrt(statistics[channels + c] + eps);
        float xhat = (x[i] - statistics[c]) * inverse;
        dx[i] = (weight.Length > 0 ? weight[c] : 1f) * inverse * (dy[i] - sums[c] / n - xhat * (sums[channels + c] / n));
    }
}
