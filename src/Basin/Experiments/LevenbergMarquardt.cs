using Basin.Curvature;
using Basin.Objective;
using MathNet.Numerics.LinearAlgebra;

namespace Basin.Experiments;

/// <summary>
/// Levenberg-Marquardt on the explicit Gauss-Newton matrix of a squared loss, for small float64 problems: it reaches a zero
/// residual (or a stationary point) to round-off in tens of steps where gradient descent crawls along flat directions, so a
/// run that stops above zero loss stops at a point that can be classified.
/// </summary>
internal static class LevenbergMarquardt
{
    public const double LossTolerance = 1e-20, GradientTolerance = 1e-10;

    /// <summary>Improves <paramref name="theta"/> in place for at most the given steps; returns the final loss and gradient norm.</summary>
    public static (double Loss, double GradientNorm) Minimize(EmpiricalRisk<double> risk, double[] theta, int steps)
    {
        var gradient = new double[theta.Length];
        var trial = new double[theta.Length];
        var trialGradient = new double[theta.Length];
        double loss = risk.Gradient(theta, gradient), damping = 1e-3;
        for (int t = 0; t < steps && loss > LossTolerance && Norm(gradient) > GradientTolerance && damping < 1e12; t++)
        {
            var g = Matrix<double>.Build.DenseOfArray(DenseOperator.Materialize(new GaussNewtonOperator<double>(risk, theta)));
            double scale = Math.Max(g.Diagonal().Maximum(), 1e-300);
            var step = (g + Matrix<double>.Build.DenseIdentity(theta.Length) * (damping * scale)).Solve(Vector<double>.Build.DenseOfArray(gradient));
            for (int i = 0; i < theta.Length; i++) trial[i] = theta[i] - step[i];
            double next = risk.Gradient(trial, trialGradient);
            if (next < loss)
            {
                trial.CopyTo(theta, 0);
                (gradient, trialGradient, loss) = (trialGradient, gradient, next);
                damping = Math.Max(damping / 3, 1e-15);
            }
            else damping *= 4;
        }
        return (loss, Norm(gradient));
    }

    public static double Norm(double[] v) => Math.Sqrt(v.Sum(x => x * x));
}
