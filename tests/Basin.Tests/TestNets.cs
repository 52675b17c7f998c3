using Basin.Data;
using Basin.Engine;
using Basin.Models;
using Basin.Tensors;

namespace Basin.Tests;

/// <summary>Small seeded nets and data sets for exactness tests.</summary>
internal static class TestNets
{
    /// <summary>Specs covering every layer type, each with the per-example input shape it expects.</summary>
    public static readonly (string Spec, int[] Shape)[] EveryLayer =
    [
        ("linear(6,5),relu,linear(5,3)", [6]),
        ("linear(6,5),leakyrelu(0.1),linear(5,3)", [6]),
        ("linear(6,5),tanh,linear(5,3)", [6]),
        ("linear(6,5),sigmoid,linear(5,3)", [6]),
        ("linear(6,5),softplus,linear(5,3)", [6]),
        ("linear(6,5),identity,linear(5,3,bias=false)", [6]),
        ("linear(6,5),square,linear(5,3)", [6]),
        ("linear(6,5),poly(0.1,1,0.5,-0.2),linear(5,3)", [6]),
        ("conv2d(2,3,3,padding=1),tanh,maxpool2d(2),flatten,linear(27,3)", [2, 6, 6]),
        ("conv2d(2,3,3,stride=2,padding=1),sigmoid,flatten,linear(27,3)", [2, 6, 6]),
        ("conv2d(2,2,3,bias=false),softplus,avgpool2d(2),flatten,linear(8,3)", [2, 6, 6]),
        ("conv2d(2,3,3,padding=1),poly(0,1,0.3),maxpool2d(3,stride=2),conv2d(3,2,2),relu,avgpool2d(1),flatten,linear(8,3)", [2, 7, 7]),
        ("linear(6,5),batchnorm1d(5),tanh,linear(5,3)", [6]),
        ("conv2d(2,3,3,padding=1),batchnorm2d(3),tanh,residual(conv2d(3,4,3,stride=2,padding=1,bias=false),batchnorm2d(4),tanh," +
         "conv2d(4,4,3,padding=1),shortcut=[conv2d(3,4,1,stride=2,bias=false),batchnorm2d(4)],after=softplus),globalavgpool,flatten,linear(4,3)", [2, 6, 6]),
        ("conv1:conv2d(2,3,3,padding=1),layer1:[residual(conv1:conv2d(3,3,3,padding=1),bn1:batchnorm2d(3,affine=false),tanh,conv2:conv2d(3,3,3,padding=1,bias=false))," +
         "residual(conv2d(3,3,1),sigmoid)],maxpool2d(2,ceil_mode=true),avgpool2d(2,ceil_mode=true),flatten,fc:linear(12,3)", [2, 7, 7]),
    ];

    /// <summary>Running statistics away from BatchNorm's start (mean 0, variance 1), so eval mode's affine map is not the identity.</summary>
    public static void RandomStatistics(ModelBuffers buffers, ulong seed = 3)
    {
        var rng = new Rng(seed, 5);
        foreach (var b in buffers.Tensors)
            if (!b.IsCount)
                for (int i = 0; i < b.Length; i++)
                    buffers.Values[b.Offset + i] = b.Name.EndsWith("running_var", StringComparison.Ordinal) ? 0.5 + rng.NextDouble() : 0.3 * rng.NextGaussian();
    }

    public static DataSet Classification(int[] shape, int n, int classes, ulong seed = 7)
    {
        var rng = new Rng(seed);
        int size = 1;
        foreach (int d in shape) size *= d;
        var x = new float[n * size];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextGaussian();
        var y = new int[n];
        for (int i = 0; i < n; i++) y[i] = rng.NextInt(classes);
        return new DataSet("test", shape, x, y, classes);
    }

    public static DataSet Regression(int[] shape, int n, int outputs, ulong seed = 8)
    {
        var d = Classification(shape, n, 2, seed);
        var rng = new Rng(seed + 1);
        var t = new float[n * outputs];
        for (int i = 0; i < t.Length; i++) t[i] = (float)rng.NextGaussian();
        return new DataSet("test-regression", shape, d.Values(), null, 0, t, outputs);
    }

    public static T[] RandomVector<T>(int n, ulong seed, double scale = 0.5) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var rng = new Rng(seed, 99);
        var v = new T[n];
        for (int i = 0; i < n; i++) v[i] = T.CreateChecked(scale * rng.NextGaussian());
        return v;
    }

    public static EmpiricalRisk<double> Objective(string spec, int[] shape, string loss = "ce", int n = 5, double l2 = 0, int batch = 2, int threads = 1)
    {
        var data = loss == "mse" && shape.Length == 1 && spec.EndsWith(",3)") ? Regression(shape, n, 3) : Classification(shape, n, 3);
        var net = ModelSpec.Build<double>(spec, shape);
        RandomStatistics(net.Buffers);
        return new EmpiricalRisk<double>(net, data, loss, l2, batch, threads);
    }

    public static double Norm(ReadOnlySpan<double> x)
    {
        double s = 0;
        foreach (var v in x) s += v * v;
        return Math.Sqrt(s);
    }

    public static double RelativeError(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double diff = 0;
        for (int i = 0; i < a.Length; i++) diff += (a[i] - b[i]) * (a[i] - b[i]);
        return Math.Sqrt(diff) / Math.Max(Math.Max(Norm(a), Norm(b)), 1e-300);
    }

    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
