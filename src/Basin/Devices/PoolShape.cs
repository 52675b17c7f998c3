namespace Basin.Devices;

/// <summary>Max pooling's geometry: C x H x W inputs, KH x KW windows with a stride, OH x OW outputs (floor mode, no padding).</summary>
internal struct PoolShape
{
    public int C, H, W, KH, KW, Stride, OH, OW;
}
