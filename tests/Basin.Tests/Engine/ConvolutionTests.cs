using Basin.Engine.Layers;

namespace Basin.Tests.Engine;

public class ConvolutionTests
{
    [Theory]
    [InlineData(3, 8, 8, 5, 3, 1, 1)]
    [InlineData(4, 9, 9, 6, 3, 2, 1)]
    [InlineData(4, 16, 16, 8, 1, 2, 0)]
    [InlineData(2, 12, 12, 3, 3, 3, 1)]
    public void A_forward_pass_in_groups_gives_each_examples_bits_alone(int channels, int height, int width, int outputs, int kernel, int stride, int padding)
    {
        const int batch = 13;
        var layer = new Conv2d<float>([channels, height, width], channels, outputs, kernel, stride, padding, bias: true);
        var p = TestNets.RandomVector<float>(layer.ParameterCount, 1);
        var x = TestNets.RandomVector<float>(batch * layer.InputSize, 2);
        var y = new float[batch * layer.OutputSize];
        layer.Forward(p, x, y, batch, new float[layer.ScratchSize(batch)]);
        var alone = new float[layer.OutputSize];
        for (int b = 0; b < batch; b++)
        {
            layer.Forward(p, x.AsSpan(b * layer.InputSize, layer.InputSize), alone, 1, new float[layer.ScratchSize(1)]);
            Assert.Equal(alone, y.AsSpan(b * layer.OutputSize, layer.OutputSize).ToArray());
        }
    }
}
