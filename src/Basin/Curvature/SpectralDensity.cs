using Basin.Tensors;

namespace Basin.Curvature;

/// <summary>
/// A spectral density from stochastic Lanczos quadrature (Ghorbani et al. 2019; Lin et al. 2016): the nodes and
/// weights of every run, and the density they give after Gaussian broadening with standard deviation Sigma.
/// </summary>
public sealed record SpectralDensityResult(double[][] Nodes, double[][] Weights, double Sigma)
{
    /// <summary>phi(t) = (1/runs) sum_runs sum_j w_j N(t; node_j, Sigma^2); it integrates to 1.</summary>
    public double At(double t)
    {
        double s = 0, c = 1 / (Sigma * Math.Sqrt(2 * Math.PI));
        for (int r = 0; r < Nodes.Length; r++)
            for (int j = 0; j < Nodes[r].Length; j++)
            {
                double z = (t - Nodes[r][j]) / Sigma;
                s += Weights[r][j] * c * Math.Exp(-0.5 * z * z);
            }
        return s / Nodes.Length;
    }

    /// <summary>The quadrature estimate of tr(A^k)/n: the k-th moment of the (unbroadened) density.</summary>
    public double Moment(int k)
    {
        double s = 0;
        for (int r = 0; r < Nodes.Length; r++)
            for (int j = 0; j < Nodes[r].Length; j++) s += Weights[r][j] * Math.Pow(Nodes[r][j], k);
        return s / Nodes.Length;
    }

    public (double[] Grid, double[] Density) Sample(int points = 400)
    {
        double lo = Nodes.SelectMany(x => x).Min() - 4 * Sigma, hi = Nodes.SelectMany(x => x).Max() + 4 * Sigma;
        var grid = new double[points];
        var density = new double[points];
        for (int i = 0; i < points; i++)
        {
            grid[i] = lo + (hi - lo) * i / (points - 1);
            density[i] = At(grid[i]);
        }
        return (grid, density);
    }
}

/// <summary>
/// Runs Lanczos runs of Steps steps each (PyHessian: 10 and 80) from Rademacher starts; Sigma is the standard deviation
/// of the Gaussian broadening (default: 1 % of the spectral range the runs found).
/// </summary>
public sealed record DensityOptions
{
    public int Runs { get; init; } = 10;
    public int Steps { get; init; } = 80;
    public double? Sigma { get; init; }
}

public static class StochasticLanczosQuadrature
{
    public static SpectralDensityResult Run(ILinearOperator op, DensityOptions options, ulong seed)
    {
        int runs = options.Runs, steps = options.Steps;
        double? sigma = options.Sigma;
        var rng = new Rng(seed, 0x51A0);
        var nodes = new double[runs][];
        var weights = new double[runs][];
        for (int r = 0; r < runs; r++)
        {
            var run = Lanczos.Run(op, steps, Vectors.Rademacher(op.Dimension, rng));
            nodes[r] = run.RitzValues;
            weights[r] = run.FirstComponents;
        }
        double range = nodes.SelectMany(x => x).Max() - nodes.SelectMany(x => x).Min();
        return new SpectralDensityResult(nodes, weights, sigma ?? Math.Max(1e-3 * Math.Max(range, 1e-12), 0.01 * range));
    }
}
