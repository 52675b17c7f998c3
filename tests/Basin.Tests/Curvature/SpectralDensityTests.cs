using Basin.Curvature;
using Basin.Tensors;

namespace Basin.Tests.Curvature;

public class SpectralDensityTests
{
    static DenseOperator RandomSymmetric(int n, ulong seed)
    {
        var rng = new Rng(seed);
        var m = new double[n, n];
        for (int i = 0; i < n; i++) for (int j = 0; j <= i; j++) m[i, j] = m[j, i] = rng.NextGaussian() / Math.Sqrt(n);
        for (int i = 0; i < n; i++) m[i, i] += i < 3 ? 5 + i : 0;
        return new DenseOperator(m);
    }

    static double TracePower(double[,] a, int k)
    {
        var eig = Spectrum.Dense(a);
        return eig.Sum(e => Math.Pow(e, k));
    }

    [Fact]
    public void Every_run_is_a_quadrature_rule_with_unit_weight_and_exact_low_moments()
    {
        var op = RandomSymmetric(60, 1);
        var density = StochasticLanczosQuadrature.Run(op, new DensityOptions { Runs = 3, Steps = 6 }, seed: 2);
        foreach (var w in density.Weights) Assert.Equal(1.0, w.Sum(), 12);
        // Gauss quadrature with m nodes is exact for degree <= 2m - 1: check v^T A^k v for the first run's start.
        var z = Basin.Curvature.Vectors.Rademacher(60, new Rng(2, 0x51A0));
        var v = z.Select(x => x / Math.Sqrt(60)).ToArray();
        var power = (double[])v.Clone();
        var next = new double[60];
        for (int k = 1; k <= 8; k++)
        {
            op.Apply(power, next);
            (power, next) = (next, power);
            double expected = v.Zip(power, (a, b) => a * b).Sum();
            double quadrature = density.Nodes[0].Zip(density.Weights[0], (t, w) => w * Math.Pow(t, k)).Sum();
            Assert.Equal(expected, quadrature, 1e-9 * Math.Max(1, Math.Abs(expected)));
        }
    }

    [Fact]
    public void Broadened_density_integrates_to_one_and_its_moments_estimate_trace_powers()
    {
        var op = RandomSymmetric(80, 3);
        var density = StochasticLanczosQuadrature.Run(op, new DensityOptions { Runs = 200, Steps = 20 }, seed: 4);
        var (grid, values) = density.Sample(2000);
        double integral = 0;
        for (int i = 1; i < grid.Length; i++) integral += 0.5 * (values[i] + values[i - 1]) * (grid[i] - grid[i - 1]);
        Assert.Equal(1.0, integral, 1e-3);
        for (int k = 1; k <= 3; k++)
        {
            double exact = TracePower(op.Matrix, k) / 80;
            Assert.True(Math.Abs(density.Moment(k) - exact) <= 0.1 * Math.Abs(exact) + 0.02, $"moment {k}: {density.Moment(k)} vs {exact}");
        }
    }
}
