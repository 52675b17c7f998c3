using Basin.Curvature;
using Basin.Data;
using Basin.Models;
using Basin.Objective;
using Basin.Training;

namespace Basin.Experiments;

/// <summary>A trained minimum's explicit Hessian spectrum, and how many of its (and its Gauss-Newton matrix's) eigenvalues are zero to the stated tolerance.</summary>
internal sealed record DegeneracyRun(string Spec, int Parameters, int Equations, double Loss, double GradientNorm, bool Converged, double[] Eigenvalues, int NearZero,
    int NearZeroGaussNewton)
{
    /// <summary>Bezout's count: the dimension of the zero-loss set, P - N x C, when the net can interpolate.</summary>
    public int Bezout => Parameters - Equations;
}

/// <summary>
/// Liao and Poggio's degeneracy count on a small problem where the Hessian can be written out: a one-hidden-layer net
/// (tanh, or the given activation) fitted to one-hot targets by squared loss (so at a zero-loss minimum the Hessian equals
/// the Gauss-Newton matrix, of rank at most N x C) in float64 until the loss or the gradient vanishes; then every
/// eigenvalue of both matrices, counting those below a tolerance relative to the largest.
/// </summary>
internal static class Degeneracy
{
    public const double Tolerance = 1e-6;

    public static DegeneracyRun Measure(int hidden, int examples, int dimension, int classes, ulong seed, int steps, string activation = "tanh")
    {
        var data = DataCatalog.Load($"gaussian-mixture(d={dimension},classes={classes},separation=2,seed={seed})", "train", n: examples);
        string spec = $"linear({dimension},{hidden}),{activation},linear({hidden},{classes})";
        var network = ModelSpec.Build<double>(spec, data.InputShape);
        var risk = new EmpiricalRisk<double>(network, data, "mse", 0, examples, 1);
        var theta = Initialization.Create<double>(network.Layout, "pytorch", seed);
        var (loss, gradientNorm) = LevenbergMarquardt.Minimize(risk, theta, steps);
        var eigenvalues = Spectrum.Dense(DenseOperator.Materialize(new HessianOperator<double>(risk, theta)));
        var gaussNewton = Spectrum.Dense(DenseOperator.Materialize(new GaussNewtonOperator<double>(risk, theta)));
        return new DegeneracyRun(spec, theta.Length, examples * classes, loss, gradientNorm, loss <= LevenbergMarquardt.LossTolerance || gradientNorm <= LevenbergMarquardt.GradientTolerance, eigenvalues,
            NearZero(eigenvalues), NearZero(gaussNewton));
    }

    static int NearZero(double[] eigenvalues)
    {
        double top = eigenvalues.Max(Math.Abs);
        return eigenvalues.Count(l => Math.Abs(l) <= Tolerance * top);
    }

}
