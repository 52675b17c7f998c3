using System.Numerics;
using Basin.Engine;
using Basin.Landscape;
using Basin.Objective;
using Basin.Tensors;

namespace Basin.Connectivity;

/// <summary>Low-loss paths between two minima: found, evaluated along t, and drawn on the plane through a one-bend curve.</summary>
internal static class Paths
{
    /// <summary>Examples per minibatch of a curve's training (dnn-mode-connectivity's default).</summary>
    const int CurveBatch = 128;

    /// <summary>
    /// The path from <paramref name="a"/> to <paramref name="b"/>, evaluated at Points values of t on <paramref name="risk"/>
    /// (and <paramref name="test"/>); <paramref name="progress"/> hears each finished epoch of a curve's training.
    /// </summary>
    public static PathResult Connect<T>(EmpiricalRisk<T> risk, EmpiricalRisk<T>? test, double[] a, double[] b, PathOptions options, Action<int>? progress = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Func<double, double[]> path;
        double length;
        Curve? curve = null;
        switch (options.Kind)
        {
            case PathKind.Line:
                path = t => a.Select((x, j) => (1 - t) * x + t * b[j]).ToArray();
                length = Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum());
                break;
            case PathKind.Bezier or PathKind.Polychain:
                curve = new Curve(options.Kind == PathKind.Bezier ? CurveKind.Bezier : CurveKind.Polychain, a, b, options.Bends);
                // A remote that runs minibatches (a GPU) trains the curve too. BatchNorm trains in train mode: a minibatch is one shard.
                bool normed = !risk.Network.Buffers.IsEmpty;
                var minibatch = new EmpiricalRisk<T>(risk.Network, risk.Data, risk.LossName, risk.L2, normed ? CurveBatch : 64, risk.Threads, wholeShards: normed)
                {
                    Remote = risk.Remote is IRemoteMinibatch ? risk.Remote : null,
                };
                // Training moves the running statistics; the path is evaluated with the model's (A's), as a line is, unless
                // update_bn recomputes them at each point.
                var buffers = risk.Network.Buffers;
                var kept = new ModelBuffers(buffers.Tensors);
                kept.CopyFrom(buffers);
                try { CurveTraining.Train(curve, minibatch, options.Epochs, CurveBatch, options.LearningRate, options.Momentum, options.Seed, (e, _) => progress?.Invoke(e)); }
                finally { buffers.CopyFrom(kept); }
                path = curve.At;
                length = curve.Length();
                break;
            default:
                var band = NudgedElasticBand.Run(new RiskEnergy<T>(risk), a, b, options.Images, options.Iterations, options.LearningRate, 1, options.Cycles);
                path = t => Polyline(band.Images, t);
                length = band.Length;
                break;
        }
        int count = Math.Max(2, options.Points);
        var ts = Enumerable.Range(0, count).Select(i => (double)i / (count - 1)).ToArray();
        var train = ts.Select(t => risk.Evaluate(Numbers.To<T>(path(t)))).ToArray();
        var testEval = test is null ? null : ts.Select(t => test.Evaluate(Numbers.To<T>(path(t)))).ToArray();
        return new PathResult(options.Kind, ts, train, testEval, Barrier.Of(train.Select(e => e.Loss).ToArray()), length) { Curve = curve };
    }

    /// <summary>The point at fraction t of the way along a chain of images (by image index).</summary>
    static double[] Polyline(double[][] images, double t)
    {
        double position = Math.Clamp(t, 0, 1) * (images.Length - 1);
        int s = Math.Min((int)position, images.Length - 2);
        double u = position - s;
        return images[s].Zip(images[s + 1], (x, y) => (1 - u) * x + u * y).ToArray();
    }

    /// <summary>
    /// The loss on the plane through A, B and a curve's single bend (coordinates: A at the origin, B at (1, 0)), and the curve
    /// drawn in those coordinates (41 points).
    /// </summary>
    public static (Surface Plane, double[][] Curve) PlaneThroughBend<T>(Curve curve, EmpiricalRisk<T> risk, Action<int>? progress = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p = curve.A.Length;
        var u = curve.B.Select((x, j) => x - curve.A[j]).ToArray();
        var v = curve.Bends[0].Select((x, j) => x - curve.A[j]).ToArray();
        double uu = u.Sum(x => x * x);
        double c = u.Zip(v, (x, y) => x * y).Sum() / uu;
        for (int j = 0; j < p; j++) v[j] -= c * u[j];
        double vv = Math.Max(v.Sum(x => x * x), 1e-300);
        var coords = Enumerable.Range(0, 41).Select(i =>
        {
            var point = curve.At(i / 40.0);
            double x = 0, y = 0;
            for (int j = 0; j < p; j++) { double d = point[j] - curve.A[j]; x += d * u[j]; y += d * v[j]; }
            return new[] { x / uu, y / vv };
        }).ToArray();
        double bMax = Math.Max(0.1, coords.Max(q => Math.Abs(q[1])));
        var plane = new Surface(new Axis(-0.2, 1.2, 29), new Axis(-1.5 * bMax, 1.5 * bMax, 25), false, new Dictionary<string, string>());
        SurfaceComputation.Complete(plane, risk, null, Numbers.To<T>(curve.A), Numbers.To<T>(u), Numbers.To<T>(v), progress: progress);
        return (plane, coords);
    }
}
