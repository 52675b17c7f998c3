using System.Numerics;
using Basin.Tensors;

namespace Basin.Data;

/// <summary>
/// loss-landscape's (and torchvision's) CIFAR augmentation of a training image: RandomCrop(size, padding=4) then
/// RandomHorizontalFlip. The shifts and the flip of the example at position i of step s come from a generator seeded by
/// (seed, s, i) alone, so they do not depend on the thread count or on the order shards are gathered in. Padding is a zero
/// pixel as the crop sees it, before normalization: (0 - mean[c]) / std[c] for normalized CIFAR-10.
/// </summary>
internal sealed class Augmentation
{
    const int Pad = 4;
    readonly ulong seed;
    readonly int channels, height, width;
    readonly double[] padding;

    public Augmentation(DataSet data, bool normalized, ulong seed)
    {
        if (data.InputShape.Length != 3)
            throw new BasinException("{augment}", $"crops and flips images, but {data.Name} examples have shape {data.ShapeText}", "use it with image data ([C,H,W])");
        (channels, height, width) = (data.InputShape[0], data.InputShape[1], data.InputShape[2]);
        this.seed = seed;
        bool cifar = normalized && data.Name == "cifar10";
        padding = Enumerable.Range(0, channels).Select(c => cifar ? (double)Cifar10.NormalizedZero(c) : 0.0).ToArray();
    }

    /// <summary>The crop's shifts and the flip of the example at <paramref name="position"/> of step <paramref name="step"/>.</summary>
    (int Top, int Left, bool Flip) Draw(long step, int position)
    {
        var rng = new Rng(seed ^ 0xA06E_0000UL, (ulong)step << 24 | (uint)position);
        int top = rng.NextInt(2 * Pad + 1) - Pad, left = rng.NextInt(2 * Pad + 1) - Pad;
        return (top, left, rng.NextInt(2) == 1);
    }

    /// <summary>
    /// What a device needs to augment step <paramref name="step"/>'s first <paramref name="count"/> examples as
    /// <see cref="Apply"/> does: each one's top shift, left shift and flip (1 or 0), and the padding's value per channel.
    /// </summary>
    public ImageCrops Crops(long step, int count)
    {
        var shifts = new int[3 * count];
        for (int i = 0; i < count; i++)
        {
            var (top, left, flip) = Draw(step, i);
            (shifts[3 * i], shifts[3 * i + 1], shifts[3 * i + 2]) = (top, left, flip ? 1 : 0);
        }
        return new ImageCrops(shifts, Array.ConvertAll(padding, p => (float)p), channels, height, width);
    }

    /// <summary>Crops and flips one image in place (<paramref name="scratch"/>: one image's worth).</summary>
    public void Apply<T>(Span<T> image, long step, int position, Span<T> scratch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (top, left, flip) = Draw(step, position);
        image.CopyTo(scratch);
        for (int c = 0; c < channels; c++)
        {
            T fill = T.CreateChecked(padding[c]);
            for (int h = 0; h < height; h++)
            for (int w = 0; w < width; w++)
            {
                // Output pixel (h, w) of the flipped crop is the padded image's (h + top, w' + left), w' the unflipped column.
                int sh = h + top, sw = (flip ? width - 1 - w : w) + left;
                image[(c * height + h) * width + w] = (uint)sh < (uint)height && (uint)sw < (uint)width ? scratch[(c * height + sh) * width + sw] : fill;
            }
        }
    }
}
