using Basin.Curvature;
using Basin.Tensors;

namespace Basin.Tests.Curvature;

public class SpectrumTests
{
    public static IEnumerable<object[]> Nets() => TestNets.EveryLayer.Select(n => new object[] { n.Spec, string.Join("x", n.Shape) });

    static (ILinearOperator Op, double[,] H, double[] Eig) Hessian(string spec, string shape, bool gaussNewton = false)
    {
        var f = TestNets.Objective(spec, shape.Split('x').Select(int.Parse).ToArray(), n: 6, l2: 0.01);
        var theta = TestNets.RandomVector<double>(f.Dimension, 11);
        ILinearOperator op = gaussNewton ? new GaussNewtonOperator<double>(f, theta) : new HessianOperator<double>(f, theta);
        var h = DenseOperator.Materialize(op);
        return (op, h, Spectrum.Dense(h));
    }

    static void Close(double expected, double actual, double relative, double scale, string what) =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Max(Math.Abs(expected), scale), $"{what}: {actual} vs {expected}");

    [Theory]
    [MemberData(nameof(Nets))]
    public void Lanczos_top_and_bottom_five_match_the_dense_eigensolver(string spec, string shape)
    {
        var (op, _, eig) = Hessian(spec, shape);
        double scale = Math.Abs(eig[0]);
        var top = Spectrum.Top(op, new LanczosOptions(5) { Steps = op.Dimension }, seed: 1);
        var bottom = Spectrum.Bottom(op, new LanczosOptions(5) { Steps = op.Dimension }, seed: 1);
        for (int i = 0; i < 5; i++)
        {
            Close(eig[i], top.Values[i], 1e-8, 1e-8 * scale, $"top {i}");
            Close(eig[^(i + 1)], bottom.Values[i], 1e-8, scale, $"bottom {i}");
            Assert.True(top.Residuals[i] <= 1e-6 * scale);
        }
    }

    [Fact]
    public void Lanczos_with_few_steps_reports_unconverged_values_through_their_residuals()
    {
        var (op, _, eig) = Hessian(TestNets.EveryLayer[8].Spec, string.Join("x", TestNets.EveryLayer[8].Shape));
        var top = Spectrum.Top(op, new LanczosOptions(3) { Steps = 20 }, seed: 2);
        // A Ritz value is within its residual of a true eigenvalue (Weyl/Kahan bound for symmetric matrices).
        for (int i = 0; i < 3; i++)
            Assert.Contains(eig, e => Math.Abs(e - top.Values[i]) <= top.Residuals[i] * (1 + 1e-9) + 1e-12);
    }

    [Theory]
    [MemberData(nameof(Nets))]
    public void Power_iteration_with_deflation_finds_the_largest_magnitudes(string spec, string shape)
    {
        var (op, _, eig) = Hessian(spec, shape);
        var byMagnitude = eig.OrderByDescending(Math.Abs).ToArray();
        var power = Spectrum.Power(op, new PowerOptions(3) { MaxIterations = 20000, Tolerance = 1e-15 }, seed: 3);
        for (int i = 0; i < 3; i++)
        {
            // Converged pairs carry small residuals; near-ties in magnitude converge slowly, so check through the residual.
            double r = power.Residuals[i];
            Assert.Contains(byMagnitude.Take(i + 3), e => Math.Abs(e - power.Values[i]) <= Math.Max(1e-8 * Math.Abs(e), r * r / Math.Max(1e-300, Gap(eig, e)) + 1e-10));
        }
    }

    [Fact]
    public void Power_iteration_takes_exactly_its_iterations_and_reports_the_residual_of_its_last_pair()
    {
        // diag(1, 0.99, 0.5, ...): after 20 products the pair is far from converged, so the residual is large,
        // and the Rayleigh quotient rho obeys Kato-Temple's 1 - rho <= r^2 / (rho - 0.99).
        var a = new double[6, 6];
        double[] diagonal = [1, 0.99, 0.5, 0.25, -0.1, 0.05];
        for (int i = 0; i < 6; i++) a[i, i] = diagonal[i];
        var power = Spectrum.Power(new DenseOperator(a), new PowerOptions(1) { MaxIterations = 20, Tolerance = 0 }, seed: 2);
        Assert.Equal(20, power.Products);
        double r = power.Residuals[0];
        Assert.True(r > 1e-3, $"residual {r}");
        double rho = power.Values[0];
        Assert.True(rho > 0.99 && 1 - rho <= r * r / (rho - 0.99) * (1 + 1e-12), $"{rho} with residual {r}");
    }

    static double Gap(double[] eig, double e) => eig.Where(x => x != e).Select(x => Math.Abs(x - e)).DefaultIfEmpty(1).Min();

    [Theory]
    [MemberData(nameof(Nets))]
    public void Exact_trace_and_frobenius_match_the_explicit_matrix(string spec, string shape)
    {
        var (op, h, _) = Hessian(spec, shape);
        int n = op.Dimension;
        double trace = 0, frob = 0;
        for (int i = 0; i < n; i++) { trace += h[i, i]; for (int j = 0; j < n; j++) frob += h[i, j] * h[i, j]; }
        Close(trace, Trace.Exact(op).Value, 1e-12, 1e-12, "trace");
        var estimate = Trace.FrobeniusSquared(op, new ProbeOptions { MaxProbes = 400 }, seed: 4);
        Assert.True(Math.Abs(estimate.Value - frob) <= 4 * estimate.StandardError, $"{estimate.Value} +- {estimate.StandardError} vs {frob}");
    }

    [Theory]
    [MemberData(nameof(Nets))]
    public void Hutchinson_and_hutch_plus_plus_land_within_three_standard_errors(string spec, string shape)
    {
        var (op, h, _) = Hessian(spec, shape);
        double trace = 0;
        for (int i = 0; i < op.Dimension; i++) trace += h[i, i];
        var hutch = Trace.Hutchinson(op, new ProbeOptions { MaxProbes = 300, RelativeTolerance = 0 }, seed: 5);
        Assert.Equal(300, hutch.Products);
        Assert.True(Math.Abs(hutch.Value - trace) <= 3 * hutch.StandardError, $"Hutchinson {hutch.Value} +- {hutch.StandardError} vs {trace}");
        var plus = Trace.HutchPlusPlus(op, new ProbeOptions { MaxProbes = 90 }, seed: 6);
        Assert.True(Math.Abs(plus.Value - trace) <= 3 * plus.StandardError + 1e-9 * Math.Abs(trace), $"Hutch++ {plus.Value} +- {plus.StandardError} vs {trace}");
    }

    /// <summary>An operator known only through products, so its quadratic form is the interface's z . (A z).</summary>
    sealed class ProductsOnly(ILinearOperator op) : ILinearOperator
    {
        public int Dimension => op.Dimension;
        public void Apply(ReadOnlySpan<double> x, Span<double> y) => op.Apply(x, y);
    }

    [Theory]
    [MemberData(nameof(Nets))]
    public void Trace_estimates_from_quadratic_forms_equal_those_from_products(string spec, string shape)
    {
        var (op, _, _) = Hessian(spec, shape);
        var products = new ProductsOnly(op);
        var a = Trace.Hutchinson(op, new ProbeOptions { MaxProbes = 20, RelativeTolerance = 0 }, seed: 3);
        var b = Trace.Hutchinson(products, new ProbeOptions { MaxProbes = 20, RelativeTolerance = 0 }, seed: 3);
        Assert.True(Math.Abs(a.Value - b.Value) <= 1e-10 * Math.Abs(b.Value), $"{a.Value} vs {b.Value}");
        Assert.True(Math.Abs(a.StandardError - b.StandardError) <= 1e-8 * b.StandardError);
        var c = Trace.HutchPlusPlus(op, new ProbeOptions { MaxProbes = 30 }, seed: 4);
        var d = Trace.HutchPlusPlus(products, new ProbeOptions { MaxProbes = 30 }, seed: 4);
        Assert.True(Math.Abs(c.Value - d.Value) <= 1e-10 * Math.Abs(d.Value), $"{c.Value} vs {d.Value}");
    }

    [Fact]
    public void Hutchinson_stops_on_its_standard_error()
    {
        var (op, _, _) = Hessian(TestNets.EveryLayer[0].Spec, "6");
        var t = Trace.Hutchinson(op, new ProbeOptions { MaxProbes = 1000, RelativeTolerance = 0.05 }, seed: 7);
        Assert.True(t.Products < 1000);
        Assert.True(t.StandardError <= 0.05 * Math.Abs(t.Value));
    }

    [Fact]
    public void Relu_net_hessian_diagonal_equals_the_gauss_newton_diagonal()
    {
        // The output is linear in each single weight of a ReLU net, so d2z/dw_i^2 = 0 and only J^T H_loss J remains on the diagonal.
        var (_, h, _) = Hessian("linear(6,5),relu,linear(5,4,bias=false),relu,linear(4,3)", "6");
        var (_, g, _) = Hessian("linear(6,5),relu,linear(5,4,bias=false),relu,linear(4,3)", "6", gaussNewton: true);
        double scale = 0;
        for (int i = 0; i < h.GetLength(0); i++) scale = Math.Max(scale, Math.Abs(h[i, i]));
        for (int i = 0; i < h.GetLength(0); i++) Assert.True(Math.Abs(h[i, i] - g[i, i]) <= 1e-10 * scale, $"entry {i}");
        // ... while the off-diagonal parts differ.
        double offDiagonal = 0;
        for (int i = 0; i < h.GetLength(0); i++) for (int j = 0; j < i; j++) offDiagonal = Math.Max(offDiagonal, Math.Abs(h[i, j] - g[i, j]));
        Assert.True(offDiagonal > 1e-6 * scale);
    }

    [Fact]
    public void Empirical_fisher_equals_the_mean_outer_product_of_per_example_gradients()
    {
        var f = TestNets.Objective("linear(6,5),tanh,linear(5,3)", [6], n: 7);
        var theta = TestNets.RandomVector<double>(f.Dimension, 12);
        var fisher = DenseOperator.Materialize(new FisherOperator<double>(f, theta));
        var g = new double[f.Count * f.Dimension];
        f.PerExampleGradients(theta, 0, f.Count, g);
        for (int i = 0; i < f.Dimension; i++)
        for (int j = 0; j < f.Dimension; j++)
        {
            double expected = 0;
            for (int e = 0; e < f.Count; e++) expected += g[e * f.Dimension + i] * g[e * f.Dimension + j] / f.Count;
            Assert.Equal(expected, fisher[i, j], 1e-12);
        }
    }
}
