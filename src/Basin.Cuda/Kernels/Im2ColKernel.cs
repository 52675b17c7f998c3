using ILGPU;
using Basin.Devices;

namespace Basin.Cuda.Kernels;

/// <summary>
/// The batch's column matrix (<see cref="ConvShape.Rows"/> x <see cref="ConvShape.Columns"/>, row-major): column (b, oh, ow)
/// holds the input values its output reads, zero where the window lies over the padding. W (out x rows) times it is the
/// convolution of every image at once.
/// </summary>
internal static class Im2ColKernel
{
    public static void Run(Index1D i, ArrayView<float> x, ArrayView<float> cols, ConvShape s)
    {
        int columns = s.Columns, positions = s.OH * s.OW;
        int r = i / columns, j = i % columns;
        int b = j / positions, p = j % positions;
        int c = r / (s.K * s.K), offset = r % (s.K * s.K);
        int ih = p / s.OW * s.Stride - s.Padding + offset / s.K, iw = p % s.OW * s.Stride - s.Padding + offset % s.K;
        cols[i] = ih >= 0 && ih < s.H && iw >= 0 && iw < s.W ? x[((long)b * s.C + c) * s.H * s.W + (long)ih * s.W + iw] : 0f;
    }
}
