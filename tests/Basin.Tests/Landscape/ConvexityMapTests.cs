using Basin.Curvature;
using Basin.Landscape;
using Basin.Models;
using MathNet.Numerics.LinearAlgebra;

namespace Basin.Tests.Landscape;

/// <summary><c>basin surface --eigen</c>: the Hessian's extreme eigenvalues at every cell and the convexity map |min/max|.</summary>
public class ConvexityMapTests
{
    static Surface Compute(EmpiricalRisk<double> f, double[] theta, int steps)
    {
        var s = new Surface(new Axis(-1, 1, 3), new Axis(-0.5, 0.5, 3), false, new Dictionary<string, string>(), eigen: true);
        SurfaceComputation.Complete(s, f, null, theta, TestNets.RandomVector<double>(f.Dimension, 41), TestNets.RandomVector<double>(f.Dimension, 42),
            eigenSteps: steps);
        return s;
    }

    [Fact]
    public void On_a_quadratic_objective_the_map_is_the_known_matrixs_ratio_everywhere()
    {
        // Least squares, y = W x: the Hessian is 2 / (n out) X^T X once per output row, whatever W is.
        var data = TestNets.Regression([3], 7, 2);
        var f = new EmpiricalRisk<double>(ModelSpec.Build<double>("linear(3,2,bias=false)", [3]), data, "mse", 0, 7, 1);
        var x = Matrix<double>.Build.Dense(7, 3, (i, j) => data.Values()[i * 3 + j]);
        var eig = (x.TransposeThisAndMultiply(x) * (2.0 / (7 * 2))).Evd().EigenValues.Select(c => c.Real).ToArray();
        var s = Compute(f, TestNets.RandomVector<double>(f.Dimension, 1), steps: 30);
        for (int c = 0; c < s.Cells; c++)
        {
            Assert.Equal(eig.Max(), s.MaxEig![c], 1e-9);
            Assert.Equal(eig.Min(), s.MinEig![c], 1e-9);
        }
    }

    [Fact]
    public void On_a_small_net_each_cells_extremes_are_the_dense_hessians()
    {
        var f = TestNets.Objective("linear(3,4),tanh,linear(4,3)", [3], n: 6);
        var theta = TestNets.RandomVector<double>(f.Dimension, 3);
        var s = Compute(f, theta, steps: 100);
        var dx = TestNets.RandomVector<double>(f.Dimension, 41);
        var dy = TestNets.RandomVector<double>(f.Dimension, 42);
        bool indefinite = false;
        for (int c = 0; c < s.Cells; c++)
        {
            var (a, b) = s.Coordinates(c);
            var point = theta.Select((w, i) => w + a * dx[i] + b * dy[i]).ToArray();
            var dense = Spectrum.Dense(DenseOperator.Materialize(new HessianOperator<double>(f, point)));
            double scale = Math.Abs(dense.Max());
            Assert.True(Math.Abs(dense.Max() - s.MaxEig![c]) <= 1e-8 * scale, $"cell {c}: max {s.MaxEig[c]} vs {dense.Max()}");
            Assert.True(Math.Abs(dense.Min() - s.MinEig![c]) <= 1e-8 * scale, $"cell {c}: min {s.MinEig[c]} vs {dense.Min()}");
            indefinite |= dense.Min() < 0;
        }
        Assert.True(indefinite, "some cell is not convex, so the map is not trivially 0");
    }

    [Fact]
    public void The_cli_stores_min_and_max_eig_and_resumes_them()
    {
        string dir = TestPaths.NewDirectory("eigen"), weights = Path.Combine(dir, "w.safetensors"), file = Path.Combine(dir, "s.h5");
        var net = ModelSpec.Build<float>("linear(784,4),tanh,linear(4,10)", [1, 28, 28]);
        SafeTensors.Write<float>(weights, net.Layout, TestNets.RandomVector<float>(net.ParameterCount, 2, 0.05));
        string[] args = ["surface", "--model", "linear(784,4),tanh,linear(4,10)", "--weights", weights, "--n", "50", "--xrange", "-1:1:3",
            "--yrange", "-1:1:3", "--eigen", "--eigen-steps", "20", "--out", file];
        var (code, output, err) = Cli.CliRunner.Run(args);
        Assert.True(code == 0, err);
        Assert.Contains("|min/max eig|", output);
        Assert.True(File.Exists(Path.Combine(dir, "s-convexity.png")));
        var s = SurfaceFile.Read(file);
        Assert.All(s.MaxEig!, v => Assert.True(double.IsFinite(v) && v > 0));
        Assert.All(s.MinEig!.Zip(s.MaxEig!), p => Assert.True(p.First <= p.Second));
        // A second run finds every cell done and rewrites the same numbers.
        var (again, resumed, _) = Cli.CliRunner.Run(args);
        Assert.Equal(0, again);
        Assert.Contains("(resumed)", resumed);
        Assert.Equal(s.MinEig, SurfaceFile.Read(file).MinEig);
    }
}
