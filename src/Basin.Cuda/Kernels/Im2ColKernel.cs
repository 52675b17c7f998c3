using ILGPU;

namespace Basin.Cuda.Kernels;

/// <summary>A convolution's geometry: C x H x W inputs, K x K kernels, stride and zero padding, OH x OW outputs, images in the batch.</summary>
internal struct ConvShape
{
    public int C, H, W, K, Stride, Padding, OH, OW, Images;

    /// <summary>Rows of the column matrix: one per input channel and kernel offset, in the weights' [in, k, k] order.</summary>
    public readonly int Rows => C * K * K;

    /// <summary>Columns of the column matrix: one per image and output position.</summary>
    public readonly int Columns => Images * OH * OW;
}

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
