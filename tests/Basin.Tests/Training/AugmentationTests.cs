using Basin.Data;
using Basin.Training;

namespace Basin.Tests.Training;

public class AugmentationTests
{
    [Fact]
    public void Each_image_is_a_shifted_window_of_the_padded_image_maybe_mirrored()
    {
        const int C = 2, H = 6, W = 8;
        var data = new DataSet("images", [C, H, W], new float[C * H * W], [0], 1);
        var augment = new Augmentation(data, normalized: true, seed: 3);
        var shifts = new HashSet<(int, int)>();
        int flips = 0, draws = 400;
        for (int position = 0; position < draws; position++)
        {
            // Every pixel says where it came from: c * 10000 + h * 100 + w + 1 (0 is padding).
            var image = new double[C * H * W];
            for (int c = 0; c < C; c++) for (int h = 0; h < H; h++) for (int w = 0; w < W; w++) image[(c * H + h) * W + w] = c * 10000 + h * 100 + w + 1;
            augment.Apply<double>(image, step: 7, position, new double[image.Length]);
            int? dh = null, dw = null;
            bool? mirrored = null;
            for (int c = 0; c < C; c++)
            for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++)
            {
                double v = image[(c * H + h) * W + w];
                if (v == 0) continue;
                int from = (int)v - 1, fc = from / 10000, fh = from / 100 % 100, fw = from % 100;
                Assert.Equal(c, fc);
                dh ??= fh - h;
                Assert.Equal(dh, fh - h);
                // Unmirrored: fw - w is constant; mirrored: fw + w is.
                mirrored ??= W > 1 && w + 1 < W && image[(c * H + h) * W + w + 1] is var next && next != 0 ? (int)next - 1 - from < 0 : null;
                if (mirrored is { } m) { dw ??= m ? fw + w : fw - w; Assert.Equal(dw, m ? fw + w : fw - w); }
            }
            Assert.InRange(dh ?? 0, -4, 4);
            if (mirrored == true) flips++;
            shifts.Add((dh ?? 99, mirrored == true ? (dw ?? 0) - (W - 1) : dw ?? 99));
        }
        // Nine shifts each way occur, and about half the images are mirrored.
        Assert.True(shifts.Count >= 60, $"{shifts.Count} distinct shifts");
        Assert.InRange(flips, draws * 0.4, draws * 0.6);
    }

    [Fact]
    public void Padding_is_a_zero_pixel_normalized_as_cifar10_is()
    {
        var cifar = new DataSet("cifar10", [3, 32, 32], new float[3 * 32 * 32], [0], 10);
        var augment = new Augmentation(cifar, normalized: true, seed: 1);
        var seen = new HashSet<float>();
        for (int position = 0; position < 50; position++)
        {
            var image = Enumerable.Repeat(7f, 3 * 32 * 32).ToArray();
            augment.Apply<float>(image, 0, position, new float[image.Length]);
            for (int c = 0; c < 3; c++)
                foreach (var v in image.AsSpan(c * 1024, 1024)) if (v != 7f) { Assert.Equal(Cifar10.NormalizedZero(c), v); seen.Add(v); }
        }
        Assert.Equal(3, seen.Count);
        Assert.Equal((0f - (float)(125.3 / 255)) / (float)(63.0 / 255), Cifar10.NormalizedZero(0));
    }

    [Fact]
    public void The_same_seed_step_and_position_give_the_same_image()
    {
        var data = new DataSet("images", [1, 8, 8], new float[64], [0], 1);
        float[] Run(ulong seed, long step, int position)
        {
            var image = Enumerable.Range(1, 64).Select(i => (float)i).ToArray();
            new Augmentation(data, false, seed).Apply<float>(image, step, position, new float[64]);
            return image;
        }
        Assert.Equal(Run(1, 2, 3), Run(1, 2, 3));
        Assert.Contains(Enumerable.Range(0, 8), p => !Run(1, 2, p).SequenceEqual(Run(1, 3, p)));
        Assert.Throws<BasinException>(() => new Augmentation(new DataSet("flat", [4], new float[4], [0], 1), false, 0));
    }
}
