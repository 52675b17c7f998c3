namespace Basin.Data;

/// <summary>
/// A minibatch's augmentation drawn on the CPU for a device to apply: per example its crop's top and left shift and its
/// flip (1 or 0), three ints each; the padding's value per channel; the images' shape.
/// </summary>
internal sealed record ImageCrops(int[] Shifts, float[] Fill, int Channels, int Height, int Width);
