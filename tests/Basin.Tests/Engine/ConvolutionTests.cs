using Basin.Engine.Layers;
using Basin.Tensors;

namespace Basin.Tests.Engine;

/// <summary>Convolutions computed in groups of examples or split over threads give the bits of one example at a time.</summary>
public class ConvolutionTests
{
    /// <summary>
    /// Channels, height, width, outputs, kernel, stride, padding: strides 1 to 3, odd sizes, 1 x 1, whole register tiles,
    /// and 256 columns an example (groups of 4, so 13 examples make several).
    /// </summary>
    public static TheoryData<int, int, int, int, int, int, int> Geometries => new()
    {
        { 3, 8, 8, 5, 3, 1, 1 },
        { 4, 9, 9, 6, 3, 2, 1 },
        { 4, 16, 16, 8, 1, 2, 0 },
        { 6, 12, 12, 3, 3, 3, 1 },
        { 16, 6, 6, 4, 3, 1, 1 },
        { 16, 8, 8, 16, 3, 1, 1 },
        { 48, 16, 16, 8, 1, 2, 0 },
        { 2, 16, 16, 3, 3, 1, 1 },
    };

    const int Batch = 13;

    /// <summary>The layer, its parameters and a batch of inputs.</summary>
    static (Conv2d<float> Layer, float[] P, float[] X) Setup(int channels, int height, int width, int outputs, int kernel, int stride, int padding)
    {
        var layer = new Conv2d<float>([channels, height, width], channels, outputs, kernel, stride, padding, bias: true);
        return (layer, TestNets.RandomVector<float>(layer.ParameterCount, 1), TestNets.RandomVector<float>(Batch * layer.InputSize, 2));
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void A_forward_pass_in_groups_gives_each_examples_bits_alone(int channels, int height, int width, int outputs, int kernel, int stride, int padding)
    {
        const int batch = Batch;
        var (layer, p, x) = Setup(channels, height, width, outputs, kernel, stride, padding);
        var y = new float[batch * layer.OutputSize];
        layer.Forward(p, x, y, batch, new float[layer.ScratchSize(batch)]);
        var alone = new float[layer.OutputSize];
        for (int b = 0; b < batch; b++)
        {
            layer.Forward(p, x.AsSpan(b * layer.InputSize, layer.InputSize), alone, 1, new float[layer.ScratchSize(1)]);
            Assert.Equal(alone, y.AsSpan(b * layer.OutputSize, layer.OutputSize).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void The_weight_gradient_over_the_team_gives_the_one_thread_bits(int channels, int height, int width, int outputs, int kernel, int stride, int padding)
    {
        const int batch = Batch;
        var (layer, p, x) = Setup(channels, height, width, outputs, kernel, stride, padding);
        var g = new Im2Col(channels, height, width, kernel, stride, padding);
        var dy = TestNets.RandomVector<float>(batch * layer.OutputSize, 3);
        var gp = new float[layer.ParameterCount];
        layer.Backward(p, x, dy, [], gp, batch, new float[layer.ScratchSize(batch)]);
        // Example by example: gw (+)= dy_b cols_b^T, gb (+)= the channel sums of dy_b.
        var expected = new float[layer.ParameterCount];
        var cols = new float[g.Rows * g.Columns];
        int weights = outputs * g.Rows;
        for (int b = 0; b < batch; b++)
        {
            var dyb = dy.AsSpan(b * layer.OutputSize, layer.OutputSize);
            g.Unfold<float>(x.AsSpan(b * layer.InputSize, layer.InputSize), cols);
            Gemm.Multiply<float>(false, true, outputs, g.Rows, g.Columns, dyb, g.Columns, cols, g.Columns, expected, g.Rows, b > 0);
            for (int o = 0; o < outputs; o++)
            {
                float sum = System.Numerics.Tensors.TensorPrimitives.Sum<float>(dyb.Slice(o * g.Columns, g.Columns));
                expected[weights + o] = b == 0 ? sum : expected[weights + o] + sum;
            }
        }
        Assert.Equal(expected, gp);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Input_gradients_in_groups_give_each_examples_bits_alone(int channels, int height, int width, int outputs, int kernel, int stride, int padding)
    {
        const int batch = Batch;
        var (layer, p, x) = Setup(channels, height, width, outputs, kernel, stride, padding);
        var v = TestNets.RandomVector<float>(layer.ParameterCount, 4);
        var dy = TestNets.RandomVector<float>(batch * layer.OutputSize, 3);
        var rdy = TestNets.RandomVector<float>(batch * layer.OutputSize, 5);
        var scratch = new float[layer.ScratchSize(batch)];
        var dx = new float[batch * layer.InputSize];
        var rdx = new float[batch * layer.InputSize];
        layer.Backward(p, x, dy, dx, [], batch, scratch);
        layer.BackwardR(p, v, x, [], dy, rdy, rdx, new float[layer.ParameterCount], batch, scratch);
        var alone = new float[layer.InputSize];
        for (int b = 0; b < batch; b++)
        {
            var dyb = dy.AsSpan(b * layer.OutputSize, layer.OutputSize);
            layer.Backward(p, x.AsSpan(b * layer.InputSize, layer.InputSize), dyb, alone, [], 1, scratch);
            Assert.Equal(alone, dx.AsSpan(b * layer.InputSize, layer.InputSize).ToArray());
            layer.BackwardR(p, v, x.AsSpan(b * layer.InputSize, layer.InputSize), [], dyb, rdy.AsSpan(b * layer.OutputSize, layer.OutputSize), alone,
                new float[layer.ParameterCount], 1, scratch);
            Assert.Equal(alone, rdx.AsSpan(b * layer.InputSize, layer.InputSize).ToArray());
        }
    }
}
