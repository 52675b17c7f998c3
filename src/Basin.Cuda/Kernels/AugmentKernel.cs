using ILGPU;

namespace Basin.Cuda.Kernels;

/// <summary>
/// Each image cropped and flipped as drawn on the CPU (three ints per image: top shift, left shift, flip): output pixel
/// (c, h, w) is the zero-padded input's (c, h + top, w' + left), w' the column before the flip; padding reads fill[c].
/// </summary>
internal static class AugmentKernel
{
    public static void Run(Index1D i, ArrayView<float> x, ArrayView<int> shifts, ArrayView<float> fill, ArrayView<float> y, int channels, int height, int width)
    {
        int w = i % width, h = i / width % height, c = i / (width * height) % channels, image = i / (width * height * channels);
        int top = shifts[3 * image], left = shifts[3 * image + 1];
        int sh = h + top, sw = (shifts[3 * image + 2] != 0 ? width - 1 - w : w) + left;
        y[i] = sh >= 0 && sh < height && sw >= 0 && sw < width ? x[(((long)image * channels + c) * height + sh) * width + sw] : fill[c];
    }
}
