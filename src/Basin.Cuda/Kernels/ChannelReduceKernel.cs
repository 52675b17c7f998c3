using ILGPU;
using Basin.Devices;

namespace Basin.Cuda.Kernels;

/// <summary>
/// Per-channel sums in two launches and a fixed order, with no barriers or atomics: <see cref="Slices"/> threads per
/// channel each sum every Slices-th value of it in float64 (this kernel), then one thread per channel adds its slices in
/// order (<see cref="ChannelTotalKernel"/>), writing or adding the float sum. The same bits run to run.
/// </summary>
internal static class ChannelReduceKernel
{
    public const int Slices = 256;

    public static void Run(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> statistics, ArrayView<double> partial, ReduceShape s)
    {
        int c = i / Slices, slice = i % Slices;
        float mean = s.Mode is 1 or 3 ? statistics[c] : 0f;
        float inverse = s.Mode is 0 or 3 ? 1f : 1f / MathF.Sqrt(statistics[s.Channels + c] + s.Eps);
        double sum = 0;
        int count = s.Images * s.Positions;
        for (int j = slice; j < count; j += Slices)
        {
            long at = ((long)(j / s.Positions) * s.Channels + c) * s.Positions + j % s.Positions;
            float v = a[at];
            if (s.Mode == 3) v = (v - mean) * (v - mean);
            else if (s.Mode != 0) v *= (b[at] - mean) * inverse;
            sum += v;
        }
        partial[i] = sum;
    }
}

/// <summary>Each channel's slices of <see cref="ChannelReduceKernel"/> added in order (and averaged), written (or added) as a float.</summary>
internal static class ChannelTotalKernel
{
    public static void Run(Index1D c, ArrayView<double> partial, ArrayView<float> output, ReduceShape s)
    {
        double sum = 0;
        for (int k = 0; k < ChannelReduceKernel.Slices; k++) sum += partial[(long)(int)c * ChannelReduceKernel.Slices + k];
        if (s.Mean != 0) sum /= (double)s.Images * s.Positions;
        output[c] = s.Accumulate != 0 ? output[c] + (float)sum : (float)sum;
    }
}
