namespace Basin.Devices;

/// <summary>A convolution's geometry: C x H x W inputs, K x K kernels, stride and zero padding, OH x OW outputs, images in the batch.</summary>
internal struct ConvShape
{
    public int C, H, W, K, Stride, Padding, OH, OW, Images;

    /// <summary>Rows of the column matrix: one per input channel and kernel offset, in the weights' [in, k, k] order.</summary>
    public readonly int Rows => C * K * K;

    /// <summary>Columns of the column matrix: one per image and output position.</summary>
    public readonly int Columns => Images * OH * OW;
}
