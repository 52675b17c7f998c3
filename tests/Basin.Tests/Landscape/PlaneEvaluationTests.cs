namespace Basin.Tests.Landscape;

public class PlaneEvaluationTests
{
    public static IEnumerable<object[]> Nets() => TestNets.EveryLayer.Select(n => new object[] { n.Spec, string.Join("x", n.Shape) });

    [Theory]
    [MemberData(nameof(Nets))]
    public void Many_points_in_one_pass_equal_separate_evaluations(string spec, string shape)
    {
        var f = TestNets.Objective(spec, shape.Split('x').Select(int.Parse).ToArray(), n: 9, l2: 0.05, batch: 4, threads: 2);
        var theta = TestNets.RandomVector<double>(f.Dimension, 1);
        var dx = TestNets.RandomVector<double>(f.Dimension, 2);
        var dy = TestNets.RandomVector<double>(f.Dimension, 3);
        double[] a = [-1, -0.25, 0, 0.5, 1.5], b = [0.3, -1, 0, 2, 0.75];
        var results = new Evaluation[a.Length];
        f.EvaluatePlane(theta, dx, dy, a, b, results);
        for (int k = 0; k < a.Length; k++)
        {
            var w = theta.Select((t, i) => t + a[k] * dx[i] + b[k] * dy[i]).ToArray();
            var direct = f.Evaluate(w);
            Assert.Equal(direct.Loss, results[k].Loss, 1e-11 * Math.Max(1, Math.Abs(direct.Loss)));
            Assert.Equal(direct.Accuracy, results[k].Accuracy);
        }
        // A line: no y direction.
        f.EvaluatePlane(theta, dx, [], a, new double[a.Length], results);
        var onLine = theta.Select((t, i) => t + a[3] * dx[i]).ToArray();
        Assert.Equal(f.Evaluate(onLine).Loss, results[3].Loss, 1e-11);
    }
}
