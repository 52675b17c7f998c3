using Basin.Tensors;

namespace Basin.Tests.Tensors;

public class Im2ColTests
{
    [Theory]
    [InlineData(2, 5, 6, 3, 1, 1)]
    [InlineData(2, 5, 6, 3, 2, 1)]
    [InlineData(3, 7, 7, 3, 2, 0)]
    [InlineData(1, 8, 5, 1, 2, 0)]
    [InlineData(1, 1, 1, 3, 1, 1)]
    [InlineData(2, 2, 3, 3, 3, 2)]
    [InlineData(1, 6, 6, 2, 1, 0)]
    // Polyphase unfolds (output = input / stride, rounded up) with the vectorized stride-2 gather: ResNet's downsampling
    // 3x3 and 1x1 convolutions, stride 3, a 7x7 kernel on an odd width.
    [InlineData(3, 32, 32, 3, 2, 1)]
    [InlineData(4, 16, 16, 1, 2, 0)]
    [InlineData(2, 9, 9, 3, 3, 1)]
    [InlineData(1, 16, 15, 7, 2, 3)]
    // Not polyphase, output rows wide enough for the vectorized stride-2 gather.
    [InlineData(2, 40, 40, 3, 2, 0)]
    public void Unfold_is_the_definition_and_fold_is_its_adjoint(int channels, int height, int width, int kernel, int stride, int padding)
    {
        var g = new Im2Col(channels, height, width, kernel, stride, padding);
        var x = TestNets.RandomVector<double>(channels * height * width, 1);
        var cols = new double[g.Rows * g.Columns];
        g.Unfold<double>(x, cols);
        var colsSingle = new float[cols.Length];
        g.Unfold<float>(x.Select(v => (float)v).ToArray(), colsSingle);
        Assert.Equal(cols.Select(v => (float)v), colsSingle);
        for (int c = 0; c < channels; c++)
        for (int ki = 0; ki < kernel; ki++)
        for (int kj = 0; kj < kernel; kj++)
        for (int oh = 0; oh < g.OutHeight; oh++)
        for (int ow = 0; ow < g.OutWidth; ow++)
        {
            int ih = oh * stride - padding + ki, iw = ow * stride - padding + kj;
            double expected = ih >= 0 && ih < height && iw >= 0 && iw < width ? x[(c * height + ih) * width + iw] : 0;
            Assert.Equal(expected, cols[((c * kernel + ki) * kernel + kj) * g.Columns + oh * g.OutWidth + ow]);
        }
        // A polyphase geometry unfolds a group of images side by side, each image's columns as alone.
        if (g.Polyphase)
        {
            var images = TestNets.RandomVector<float>(3 * x.Length, 3);
            var group = new float[3 * cols.Length];
            g.UnfoldGroup<float>(images, 3, group);
            var one = new float[cols.Length];
            for (int image = 0; image < 3; image++)
            {
                g.Unfold<float>(images.AsSpan(image * x.Length, x.Length), one);
                for (int r = 0; r < g.Rows; r++)
                    Assert.Equal(one.AsSpan(r * g.Columns, g.Columns), group.AsSpan((r * 3 + image) * g.Columns, g.Columns));
            }
        }
        // <unfold(x), y> = <x, fold(y)>
        var y = TestNets.RandomVector<double>(cols.Length, 2);
        var folded = new double[x.Length];
        g.Fold<double>(y, folded);
        Assert.Equal(TestNets.Dot(cols, y), TestNets.Dot(x, folded), 1e-12);
    }
}
