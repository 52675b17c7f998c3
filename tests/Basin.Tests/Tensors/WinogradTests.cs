using Basin.Tensors;

namespace Basin.Tests.Tensors;

/// <summary>
/// F(2x2, 3x3) against the convolution's defining sums: forward (W x + b) and adjoint (the input gradient W^T dy), on
/// planes with odd and even sides, one tile and several rows of vector steps, through the vector transforms and the
/// element-by-element ones.
/// </summary>
public class WinogradTests
{
    public static TheoryData<int, int, bool> Planes => new()
    {
        { 1, 1, false }, { 2, 2, true }, { 1, 5, false }, { 3, 3, true }, { 7, 7, false }, { 6, 9, true }, { 8, 8, false },
        { 17, 16, true }, { 32, 32, false }, { 5, 40, false }, { 5, 40, true }, { 16, 16, false }, { 4, 4, false }, { 6, 8, false },
    };

    const int Channels = 3, Outputs = 5, Count = 2;

    /// <summary>y[g, o, h, w] = b[o] + sum over c, ki, kj of W[o, c, ki, kj] x[g, c, h + ki - 1, w + kj - 1] (zeros outside).</summary>
    static double[] Direct(double[] w, double[] bias, double[] x, int ins, int outs, int height, int width, bool adjoint)
    {
        var y = new double[Count * outs * height * width];
        for (int g = 0; g < Count; g++)
        for (int o = 0; o < outs; o++)
        for (int h = 0; h < height; h++)
        for (int v = 0; v < width; v++)
        {
            double sum = bias.Length > 0 ? bias[o] : 0;
            for (int c = 0; c < ins; c++)
            for (int ki = 0; ki < 3; ki++)
            for (int kj = 0; kj < 3; kj++)
            {
                // The adjoint reads dy at h - ki + 1 with W[c, o] (its outputs are the forward's inputs).
                int ih = adjoint ? h - ki + 1 : h + ki - 1, iw = adjoint ? v - kj + 1 : v + kj - 1;
                if ((uint)ih >= (uint)height || (uint)iw >= (uint)width) continue;
                double weight = adjoint ? w[((c * outs + o) * 3 + ki) * 3 + kj] : w[((o * ins + c) * 3 + ki) * 3 + kj];
                sum += weight * x[((g * ins + c) * height + ih) * width + iw];
            }
            y[((g * outs + o) * height + h) * width + v] = sum;
        }
        return y;
    }

    static T[] Convolve<T>(double[] w, double[] bias, double[] x, int height, int width, bool adjoint, bool scalar)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        // Forward: W [Outputs, Channels], x of Channels; adjoint: the same W, dy of Outputs, dx of Channels.
        int outs = adjoint ? Channels : Outputs, ins = adjoint ? Outputs : Channels;
        var u = new T[16 * outs * ins];
        Winograd.TransformWeights<T>(Cast<T>(w), Outputs, Channels, adjoint, u, ins, outs * ins, 0);
        var y = new T[Count * outs * height * width];
        new Winograd(height, width).Convolve<T>(u, outs, ins, Cast<T>(x), y, Count, Cast<T>(bias), scalar);
        return y;
    }

    static T[] Cast<T>(double[] a) where T : System.Numerics.INumberBase<T> => a.Select(T.CreateTruncating).ToArray();

    [Theory]
    [MemberData(nameof(Planes))]
    public void The_convolution_and_its_adjoint_equal_the_direct_sums_in_float64(int height, int width, bool scalar)
    {
        var w = TestNets.RandomVector<double>(Outputs * Channels * 9, 1);
        var bias = TestNets.RandomVector<double>(Outputs, 2);
        var x = TestNets.RandomVector<double>(Count * Channels * height * width, 3);
        var dy = TestNets.RandomVector<double>(Count * Outputs * height * width, 4);
        AssertClose(Direct(w, bias, x, Channels, Outputs, height, width, false), Convolve<double>(w, bias, x, height, width, false, scalar), 1e-12);
        AssertClose(Direct(w, [], dy, Outputs, Channels, height, width, true), Convolve<double>(w, [], dy, height, width, true, scalar), 1e-12);
    }

    [Theory]
    [MemberData(nameof(Planes))]
    public void The_float32_convolution_is_within_rounding_of_the_direct_sums(int height, int width, bool scalar)
    {
        var w = TestNets.RandomVector<double>(Outputs * Channels * 9, 5);
        var bias = TestNets.RandomVector<double>(Outputs, 6);
        var x = TestNets.RandomVector<double>(Count * Channels * height * width, 7);
        var single = Convolve<float>(w.Select(v => (double)(float)v).ToArray(), bias.Select(v => (double)(float)v).ToArray(),
            x.Select(v => (double)(float)v).ToArray(), height, width, false, scalar);
        var exact = Direct(w.Select(v => (double)(float)v).ToArray(), bias.Select(v => (double)(float)v).ToArray(), x.Select(v => (double)(float)v).ToArray(),
            Channels, Outputs, height, width, false);
        AssertClose(exact, single.Select(v => (double)v).ToArray(), 2e-6);
    }

    /// <summary>Planes whose tile rows a vector step takes one at a time (13 x 21) or stacked, 2 or 4 to a step (16 x 16, 8 x 8, 4 x 4 by type).</summary>
    [Theory]
    [InlineData(13, 21)]
    [InlineData(16, 16)]
    [InlineData(8, 8)]
    [InlineData(7, 7)]
    [InlineData(4, 4)]
    public void Vector_and_element_by_element_transforms_give_the_same_bits(int height, int width)
    {
        var w = TestNets.RandomVector<double>(Outputs * Channels * 9, 8);
        var x = TestNets.RandomVector<double>(Count * Outputs * height * width, 9);
        foreach (bool adjoint in new[] { false, true })
        {
            Assert.Equal(Convolve<float>(w, [], x, height, width, adjoint, scalar: true), Convolve<float>(w, [], x, height, width, adjoint, scalar: false));
            Assert.Equal(Convolve<double>(w, [], x, height, width, adjoint, scalar: true), Convolve<double>(w, [], x, height, width, adjoint, scalar: false));
        }
    }

    /// <summary>|a - b| within tolerance times the largest |a| (the outputs are sums of ~27 products of unit scale).</summary>
    static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * scale, $"element {i}: {actual[i]} where the direct sum is {expected[i]}");
    }
}
