namespace Basin.Tests.Engine;

/// <summary>Backward and R-operator passes of every layer type against independent float64 computations.</summary>
public class DerivativeTests
{
    public static IEnumerable<object[]> Nets()
    {
        foreach (var (spec, shape) in TestNets.EveryLayer)
        {
            yield return [spec, string.Join("x", shape), "ce"];
        }
        yield return ["linear(6,5),tanh,linear(5,3)", "6", "mse"];
        yield return ["conv2d(2,3,3,padding=1),softplus,avgpool2d(2),flatten,linear(27,3)", "2x6x6", "mse"];
        // 16 channels in and out: the second convolution's passes go by Winograd's F(2x2, 3x3), odd 5x5 planes included.
        yield return ["conv2d(1,16,3,padding=1),tanh,conv2d(16,16,3,padding=1),softplus,avgpool2d(5),flatten,linear(16,3)", "1x5x5", "ce"];
    }

    static int[] Shape(string s) => s.Split('x').Select(int.Parse).ToArray();

    static double[] Theta(EmpiricalRisk<double> f) => TestNets.RandomVector<double>(f.Dimension, 11);

    static double[] FiniteDifferenceGradient(EmpiricalRisk<double> f, double[] theta, double h = 1e-5)
    {
        var g = new double[theta.Length];
        var t = (double[])theta.Clone();
        for (int j = 0; j < t.Length; j++)
        {
            t[j] = theta[j] + h; double up = f.Evaluate(t).Loss;
            t[j] = theta[j] - h; double down = f.Evaluate(t).Loss;
            t[j] = theta[j];
            g[j] = (up - down) / (2 * h);
        }
        return g;
    }

    static double[,] ExplicitHessian(EmpiricalRisk<double> f, double[] theta) =>
        Basin.Curvature.DenseOperator.Materialize(new Basin.Curvature.HessianOperator<double>(f, theta));

    [Theory]
    [MemberData(nameof(Nets))]
    public void Gradient_matches_central_differences(string spec, string shape, string loss)
    {
        var f = TestNets.Objective(spec, Shape(shape), loss, l2: 0.01);
        var theta = Theta(f);
        var g = new double[f.Dimension];
        f.Gradient(theta, g);
        Assert.True(TestNets.RelativeError(g, FiniteDifferenceGradient(f, theta)) < 1e-6);
    }

    [Theory]
    [MemberData(nameof(Nets))]
    public void Hessian_vector_product_matches_explicit_hessian_and_gradient_differences(string spec, string shape, string loss)
    {
        var f = TestNets.Objective(spec, Shape(shape), loss, l2: 0.01);
        var theta = Theta(f);
        int p = f.Dimension;
        var h = ExplicitHessian(f, theta);

        // Columns of H against central differences of the gradient.
        var plus = new double[p]; var minus = new double[p];
        var t = (double[])theta.Clone();
        const double eps = 1e-5;
        double worst = 0;
        for (int j = 0; j < p; j += Math.Max(1, p / 25))
        {
            t[j] = theta[j] + eps; f.Gradient(t, plus);
            t[j] = theta[j] - eps; f.Gradient(t, minus);
            t[j] = theta[j];
            var fd = new double[p];
            var col = new double[p];
            for (int i = 0; i < p; i++) { fd[i] = (plus[i] - minus[i]) / (2 * eps); col[i] = h[i, j]; }
            worst = Math.Max(worst, TestNets.Norm(fd.Zip(col, (a, b) => a - b).ToArray()) / Math.Max(TestNets.Norm(col), 1e-8));
        }
        Assert.True(worst < 1e-6, $"worst column relative error {worst}");

        // H v for a dense v equals the explicit matrix times v; the matrix is symmetric.
        var v = TestNets.RandomVector<double>(p, 5);
        var hv = new double[p];
        f.HessianVectorProduct(theta, v, hv);
        var dense = new double[p];
        for (int i = 0; i < p; i++) for (int j = 0; j < p; j++) dense[i] += h[i, j] * v[j];
        Assert.True(TestNets.RelativeError(hv, dense) < 1e-10);
        // Without a kept linearization (the path of every large net) the backward and R-backward walk together.
        var plain = TestNets.Objective(spec, Shape(shape), loss, l2: 0.01);
        plain.LinearizationBudget = 0;
        var plainHv = new double[p];
        plain.HessianVectorProduct(theta, v, plainHv);
        Assert.Equal(hv, plainHv);
        double scale = 0;
        foreach (var x in h) scale = Math.Max(scale, Math.Abs(x));
        for (int i = 0; i < p; i++) for (int j = 0; j < i; j++) Assert.True(Math.Abs(h[i, j] - h[j, i]) <= 1e-10 * scale);
    }

    [Theory]
    [MemberData(nameof(Nets))]
    public void Quadratic_forms_equal_v_dot_products_and_second_differences_of_the_loss(string spec, string shape, string loss)
    {
        var f = TestNets.Objective(spec, Shape(shape), loss, l2: 0.01);
        var theta = Theta(f);
        var v = TestNets.RandomVector<double>(f.Dimension, 31);
        var hv = new double[f.Dimension];
        var gv = new double[f.Dimension];
        f.HessianVectorProduct(theta, v, hv);
        f.GaussNewtonVectorProduct(theta, v, gv);
        double vhv = TestNets.Dot(v, hv), vgv = TestNets.Dot(v, gv);
        double q = f.HessianQuadraticForm(theta, v), g = f.GaussNewtonQuadraticForm(theta, v);
        Assert.True(Math.Abs(q - vhv) <= 1e-10 * Math.Abs(vhv), $"v^T H v {q} vs v.(Hv) {vhv}");
        Assert.True(Math.Abs(g - vgv) <= 1e-10 * Math.Abs(vgv), $"v^T G v {g} vs v.(Gv) {vgv}");

        // d^2/dt^2 L(theta + t v) by a central second difference.
        const double h = 1e-4;
        var t = new double[theta.Length];
        double At(double s) { for (int i = 0; i < t.Length; i++) t[i] = theta[i] + s * v[i]; return f.Evaluate(t).Loss; }
        double fd = (At(h) - 2 * At(0) + At(-h)) / (h * h);
        Assert.True(Math.Abs(q - fd) <= 1e-5 * Math.Max(1, Math.Abs(q)), $"v^T H v {q} vs second difference {fd}");

        // Without a kept linearization (plain shards) the numbers are the same.
        var plain = TestNets.Objective(spec, Shape(shape), loss, l2: 0.01);
        plain.LinearizationBudget = 0;
        Assert.Equal(q, plain.HessianQuadraticForm(theta, v));
        Assert.Equal(g, plain.GaussNewtonQuadraticForm(theta, v));
    }

    [Theory]
    [MemberData(nameof(Nets))]
    public void Hessian_is_symmetric_in_random_directions(string spec, string shape, string loss)
    {
        var f = TestNets.Objective(spec, Shape(shape), loss);
        var theta = Theta(f);
        var u = TestNets.RandomVector<double>(f.Dimension, 21);
        var v = TestNets.RandomVector<double>(f.Dimension, 22);
        var hu = new double[f.Dimension];
        var hv = new double[f.Dimension];
        f.HessianVectorProduct(theta, u, hu);
        f.HessianVectorProduct(theta, v, hv);
        double a = TestNets.Dot(u, hv), b = TestNets.Dot(hu, v);
        Assert.True(Math.Abs(a - b) <= 1e-12 * Math.Max(1, Math.Abs(a)), $"<u,Hv>={a} <Hu,v>={b}");
    }

    [Theory]
    [MemberData(nameof(Nets))]
    public void Gauss_newton_product_equals_explicit_jacobian_form(string spec, string shape, string loss)
    {
        var f = TestNets.Objective(spec, Shape(shape), loss, n: 3, l2: 0.02);
        var theta = Theta(f);
        int p = f.Dimension, c = f.Network.OutputSize, n = f.Count;
        var outputs = Outputs.Of(f, theta);

        // Jacobian of all outputs by central differences.
        var jac = new double[n * c, p];
        var t = (double[])theta.Clone();
        const double eps = 1e-6;
        for (int j = 0; j < p; j++)
        {
            t[j] = theta[j] + eps; var up = Outputs.Of(f, t);
            t[j] = theta[j] - eps; var down = Outputs.Of(f, t);
            t[j] = theta[j];
            for (int r = 0; r < n * c; r++) jac[r, j] = (up[r] - down[r]) / (2 * eps);
        }
        // Block-diagonal loss Hessian of the mean loss.
        var hl = new double[n * c, n * c];
        for (int s = 0; s < n; s++)
        {
            if (loss == "mse")
                for (int a = 0; a < c; a++) hl[s * c + a, s * c + a] = 2.0 / c / n;
            else
            {
                var z = outputs.Skip(s * c).Take(c).ToArray();
                double max = z.Max(), sum = z.Sum(x => Math.Exp(x - max));
                var prob = z.Select(x => Math.Exp(x - max) / sum).ToArray();
                for (int a = 0; a < c; a++)
                for (int b = 0; b < c; b++)
                    hl[s * c + a, s * c + b] = ((a == b ? prob[a] : 0) - prob[a] * prob[b]) / n;
            }
        }
        var v = TestNets.RandomVector<double>(p, 31);
        var jv = new double[n * c];
        for (int r = 0; r < n * c; r++) for (int j = 0; j < p; j++) jv[r] += jac[r, j] * v[j];
        var hjv = new double[n * c];
        for (int r = 0; r < n * c; r++) for (int q = 0; q < n * c; q++) hjv[r] += hl[r, q] * jv[q];
        var expected = new double[p];
        for (int j = 0; j < p; j++)
        {
            for (int r = 0; r < n * c; r++) expected[j] += jac[r, j] * hjv[r];
            expected[j] += 0.02 * v[j];
        }
        var gv = new double[p];
        f.GaussNewtonVectorProduct(theta, v, gv);
        Assert.True(TestNets.RelativeError(gv, expected) < 1e-6, $"relative error {TestNets.RelativeError(gv, expected)}");
    }

    [Theory]
    [MemberData(nameof(Nets))]
    public void Per_example_gradients_average_to_the_full_gradient(string spec, string shape, string loss)
    {
        var f = TestNets.Objective(spec, Shape(shape), loss, n: 7, l2: 0.01, batch: 3);
        var theta = Theta(f);
        int p = f.Dimension;
        var all = new double[f.Count * p];
        f.PerExampleGradients(theta, 0, f.Count, all);
        var mean = new double[p];
        for (int i = 0; i < f.Count; i++) for (int j = 0; j < p; j++) mean[j] += all[i * p + j] / f.Count;
        var g = new double[p];
        f.Gradient(theta, g);
        Assert.True(TestNets.RelativeError(mean, g) < 1e-12);
    }
}
