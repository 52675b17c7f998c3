namespace Basin.Connectivity;

/// <summary>A relaxed chain of images from A to B and the energy of each; the saddle estimate is the highest image.</summary>
internal sealed record NebResult(double[][] Images, double[] Energies, int Iterations)
{
    public double Saddle => Energies.Max();
    public double Barrier => Saddle - Math.Max(Energies[0], Energies[^1]);

    public double Length
    {
        get
        {
            double length = 0;
            for (int i = 1; i < Images.Length; i++)
                length += Math.Sqrt(Images[i].Zip(Images[i - 1], (a, b) => (a - b) * (a - b)).Sum());
            return length;
        }
    }
}

/// <summary>
/// The nudged elastic band (Jonsson, Mills and Jacobsen 1998; Henkelman and Jonsson 2000) between two minima, as
/// Draxler et al. (2018) use it for networks: images feel the true force perpendicular to the path and springs
/// along it; after half the iterations the highest image climbs (CI-NEB) so it converges onto the saddle.
/// AutoNEB's pivot insertion adds an image wherever the energy at a segment's midpoint rises above the straight
/// interpolation of its ends, then relaxes again.
/// </summary>
internal static class NudgedElasticBand
{
    public static NebResult Run(IEnergyLandscape f, double[] a, double[] b, int images = 8, int iterations = 500, double step = 0.01,
        double spring = 1, int cycles = 1, double insertThreshold = 0.1)
    {
        var chain = Enumerable.Range(0, images + 2).Select(i =>
        {
            double s = (double)i / (images + 1);
            return a.Select((x, j) => (1 - s) * x + s * b[j]).ToArray();
        }).ToList();
        int done = 0;
        for (int cycle = 0; cycle < cycles; cycle++)
        {
            done += Relax(f, chain, iterations, step, spring);
            if (cycle == cycles - 1) break;
            if (!InsertPivots(f, chain, insertThreshold)) break;
        }
        var g = new double[f.Dimension];
        var energies = chain.Select(x => f.Gradient(x, g)).ToArray();
        return new NebResult(chain.Select(x => x.ToArray()).ToArray(), energies, done);
    }

    static int Relax(IEnergyLandscape f, List<double[]> chain, int iterations, double step, double spring)
    {
        int n = chain.Count, d = f.Dimension;
        var gradients = Enumerable.Range(0, n).Select(_ => new double[d]).ToArray();
        var energies = new double[n];
        var force = new double[d];
        var tangent = new double[d];
        for (int it = 0; it < iterations; it++)
        {
            for (int i = 0; i < n; i++) energies[i] = f.Gradient(chain[i], gradients[i]);
            int top = Array.IndexOf(energies, energies[1..^1].Max(), 1);
            bool climb = it >= iterations / 2;
            var moves = new double[n][];
            for (int i = 1; i < n - 1; i++)
            {
                Tangent(chain, energies, i, tangent);
                double along = Dot(gradients[i], tangent);
                double stretch = Distance(chain[i + 1], chain[i]) - Distance(chain[i], chain[i - 1]);
                for (int j = 0; j < d; j++)
                    force[j] = climb && i == top
                        ? -gradients[i][j] + 2 * along * tangent[j]
                        : -(gradients[i][j] - along * tangent[j]) + spring * stretch * tangent[j];
                moves[i] = force.Select(x => step * x).ToArray();
            }
            for (int i = 1; i < n - 1; i++)
                for (int j = 0; j < d; j++) chain[i][j] += moves[i][j];
        }
        return iterations;
    }

    /// <summary>Henkelman and Jonsson's upwind tangent: towards the higher neighbour, mixed at extrema.</summary>
    static void Tangent(List<double[]> chain, double[] e, int i, double[] tangent)
    {
        var next = chain[i + 1];
        var here = chain[i];
        var previous = chain[i - 1];
        double up = e[i + 1] - e[i], down = e[i] - e[i - 1];
        double maxDelta = Math.Max(Math.Abs(up), Math.Abs(down)), minDelta = Math.Min(Math.Abs(up), Math.Abs(down));
        for (int j = 0; j < tangent.Length; j++)
        {
            double forward = next[j] - here[j], backward = here[j] - previous[j];
            tangent[j] = (up > 0 && down > 0) ? forward
                : (up < 0 && down < 0) ? backward
                : e[i + 1] > e[i - 1] ? maxDelta * forward + minDelta * backward
                : minDelta * forward + maxDelta * backward;
        }
        double norm = Math.Sqrt(Dot(tangent, tangent));
        if (norm > 0) for (int j = 0; j < tangent.Length; j++) tangent[j] /= norm;
    }

    /// <summary>Inserts the midpoint of every segment whose midpoint energy exceeds the ends' mean by the threshold.</summary>
    static bool InsertPivots(IEnergyLandscape f, List<double[]> chain, double threshold)
    {
        var g = new double[f.Dimension];
        var energies = chain.Select(x => f.Gradient(x, g)).ToArray();
        double range = Math.Max(energies.Max() - energies.Min(), 1e-12);
        bool inserted = false;
        for (int i = chain.Count - 2; i >= 0; i--)
        {
            var mid = chain[i].Zip(chain[i + 1], (x, y) => 0.5 * (x + y)).ToArray();
            if (f.Gradient(mid, g) - 0.5 * (energies[i] + energies[i + 1]) > threshold * range)
            {
                chain.Insert(i + 1, mid);
                inserted = true;
            }
        }
        return inserted;
    }

    static double Dot(double[] a, double[] b) => System.Numerics.Tensors.TensorPrimitives.Dot<double>(a, b);
    static double Distance(double[] a, double[] b) => Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum());
}
