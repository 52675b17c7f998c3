using MathNet.Numerics.LinearAlgebra;

namespace Basin.Trajectories;

/// <summary>
/// The PCA plane of a trajectory as Li et al. (2018) build it: the checkpoints' offsets d_t = w_t - w* from a chosen
/// point (usually the final weights, not the mean), their top two principal directions from the small T x T Gram
/// matrix, each checkpoint's coordinates in that plane, and its distance off the plane (what the plane cannot show).
/// </summary>
internal sealed record TrajectoryPca(double[] DirectionX, double[] DirectionY, double[] ExplainedVariance, double[][] Coordinates, double[] OffPlane)
{
    /// <summary>Principal directions of the offsets of <paramref name="points"/> from <paramref name="reference"/>.</summary>
    public static TrajectoryPca Fit(IReadOnlyList<double[]> points, ReadOnlySpan<double> reference)
    {
        int t = points.Count, p = reference.Length;
        if (t < 2) throw new BasinException("trajectory", "PCA needs at least two checkpoints", "train with {save-every} 1 or {save-every-steps}");
        var offsets = new double[t][];
        for (int i = 0; i < t; i++)
        {
            offsets[i] = new double[p];
            for (int j = 0; j < p; j++) offsets[i][j] = points[i][j] - reference[j];
        }
        var gram = Matrix<double>.Build.Dense(t, t, (i, j) => Dot(offsets[i], offsets[j]));
        var evd = gram.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, t).OrderByDescending(i => evd.EigenValues[i].Real).ToArray();
        double total = order.Sum(i => Math.Max(0, evd.EigenValues[i].Real));
        var directions = new double[2][];
        var explained = new double[2];
        for (int k = 0; k < 2; k++)
        {
            int idx = order[Math.Min(k, t - 1)];
            double lambda = Math.Max(evd.EigenValues[idx].Real, 0);
            var v = new double[p];
            for (int i = 0; i < t; i++)
            {
                double u = evd.EigenVectors[i, idx];
                for (int j = 0; j < p; j++) v[j] += u * offsets[i][j];
            }
            double norm = Math.Sqrt(Dot(v, v));
            if (norm > 0) for (int j = 0; j < p; j++) v[j] /= norm;
            directions[k] = v;
            explained[k] = total > 0 ? lambda / total : 0;
        }
        var coords = new double[t][];
        var off = new double[t];
        for (int i = 0; i < t; i++)
        {
            double a = Dot(offsets[i], directions[0]), b = Dot(offsets[i], directions[1]);
            coords[i] = [a, b];
            off[i] = Math.Sqrt(Math.Max(0, Dot(offsets[i], offsets[i]) - a * a - b * b));
        }
        return new TrajectoryPca(directions[0], directions[1], explained, coords, off);
    }

    static double Dot(double[] a, double[] b) => System.Numerics.Tensors.TensorPrimitives.Dot<double>(a, b);
}
