using Basin.Engine.Layers;
using Basin.Tensors;

namespace Basin.Tests.Tensors;

/// <summary>Element-wise work split in chunks over two threads: every element computed once, as alone.</summary>
public class ElementwiseTests
{
    [Theory]
    [InlineData(5)]
    [InlineData(2 * Executor.Chunk)]
    [InlineData(3 * Executor.Chunk + 7)]
    public void Sums_and_activations_over_two_threads_equal_the_elementwise_definitions(int length)
    {
        var a = TestNets.RandomVector<float>(length, 1);
        var b = TestNets.RandomVector<float>(length, 2);
        var dy = TestNets.RandomVector<float>(length, 3);
        var activation = new Activation<float>([length], new LeakyRelu<float>(0.1f));
        int budget = Executor.Budget;
        try
        {
            Executor.Budget = 2;
            var sum = new float[length];
            Elementwise.Add(a, b, sum);
            var y = new float[length];
            activation.Forward([], a, y, 1, []);
            var dx = new float[length];
            activation.Backward([], a, dy, dx, [], 1, []);
            for (int i = 0; i < length; i++)
            {
                Assert.Equal(a[i] + b[i], sum[i]);
                Assert.Equal(a[i] > 0 ? a[i] : 0.1f * a[i], y[i]);
                Assert.Equal(a[i] > 0 ? dy[i] : 0.1f * dy[i], dx[i]);
            }
        }
        finally
        {
            Executor.Budget = budget;
        }
    }
}
