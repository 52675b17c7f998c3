using Basin.Curvature;
using Basin.Models;

namespace Basin.Tests.Objective;

public class DeterminismTests
{
    static void SameBits<T>(string spec, int[] shape) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        // 37 examples in shards of 4: ten shards, two reduction waves and a ragged last shard.
        var data = TestNets.Classification(shape, 37, 3);
        var net = ModelSpec.Build<T>(spec, shape);
        var theta = TestNets.RandomVector<T>(net.ParameterCount, 3);
        var v = TestNets.RandomVector<T>(net.ParameterCount, 4);
        var one = new EmpiricalRisk<T>(net, data, "ce", 0.01, 4, threads: 1);
        var two = new EmpiricalRisk<T>(net, data, "ce", 0.01, 4, threads: 2);
        Assert.Equal(one.Evaluate(theta), two.Evaluate(theta));
        var a = new T[net.ParameterCount];
        var b = new T[net.ParameterCount];
        Assert.Equal(one.Gradient(theta, a), two.Gradient(theta, b));
        Assert.Equal(a, b);
        one.HessianVectorProduct(theta, v, a);
        two.HessianVectorProduct(theta, v, b);
        Assert.Equal(a, b);
        // The estimators' float64 vectors are converted in and out of the same T arithmetic: the same bits again.
        var v64 = v.Select(double.CreateTruncating).ToArray();
        var y64 = new double[v64.Length];
        new HessianOperator<T>(two, theta).Apply(v64, y64);
        Assert.Equal(a.Select(double.CreateTruncating), y64);
        Assert.Equal(one.HessianQuadraticForm(theta, v), new HessianOperator<T>(two, theta).Quadratic(v64));
        one.GaussNewtonVectorProduct(theta, v, a);
        two.GaussNewtonVectorProduct(theta, v, b);
        Assert.Equal(a, b);
        new GaussNewtonOperator<T>(one, theta).Apply(v64, y64);
        Assert.Equal(a.Select(double.CreateTruncating), y64);
    }

    [Fact]
    public void One_and_two_threads_give_identical_bits_float32() =>
        SameBits<float>("conv2d(2,3,3,padding=1),tanh,maxpool2d(2),flatten,linear(27,3)", [2, 6, 6]);

    [Fact]
    public void One_and_two_threads_give_identical_bits_float64() =>
        SameBits<double>("linear(6,5),softplus,linear(5,3)", [6]);

    [Fact]
    public void One_and_two_threads_give_identical_bits_when_the_reduction_is_split() =>
        // 20,403 parameters: more than one chunk of the shard reduction, so the two threads share it out.
        SameBits<float>("linear(200,100),relu,linear(100,3)", [200]);
}
