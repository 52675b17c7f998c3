using Basin.Tensors;
using Basin.Trajectories;
using MathNet.Numerics.LinearAlgebra;

namespace Basin.Tests.Trajectories;

public class TrajectoryTests
{
    static List<double[]> RandomPoints(int count, int dimension, ulong seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, dimension).Select(_ => rng.NextGaussian()).ToArray()).ToList();
    }

    [Fact]
    public void Pca_directions_and_explained_variance_match_a_dense_svd()
    {
        var points = RandomPoints(7, 30, 1);
        var reference = points[^1];
        var pca = TrajectoryPca.Fit(points, reference);
        var d = Matrix<double>.Build.Dense(7, 30, (i, j) => points[i][j] - reference[j]);
        var svd = d.Svd();
        double total = svd.S.Sum(s => s * s);
        for (int k = 0; k < 2; k++)
        {
            Assert.Equal(svd.S[k] * svd.S[k] / total, pca.ExplainedVariance[k], 10);
            var v = svd.VT.Row(k);
            double cos = Math.Abs(v.DotProduct(Vector<double>.Build.DenseOfArray(k == 0 ? pca.DirectionX : pca.DirectionY)));
            Assert.Equal(1, cos, 10);
        }
        // Coordinates plus the off-plane part rebuild every offset's length.
        for (int i = 0; i < 7; i++)
        {
            double norm2 = d.Row(i).DotProduct(d.Row(i));
            double rebuilt = pca.Coordinates[i][0] * pca.Coordinates[i][0] + pca.Coordinates[i][1] * pca.Coordinates[i][1] + pca.OffPlane[i] * pca.OffPlane[i];
            Assert.Equal(norm2, rebuilt, 1e-9 * norm2);
        }
        Assert.Equal(0, pca.OffPlane[^1], 12);
    }

    [Fact]
    public void Classical_mds_recovers_a_planar_configuration_up_to_rotation()
    {
        var rng = new Rng(2);
        var truth = Enumerable.Range(0, 12).Select(_ => new[] { 3 * rng.NextGaussian(), rng.NextGaussian() }).ToArray();
        var delta = Mds.Distances(truth);
        var embedding = Mds.Classical(delta);
        Assert.True(embedding.Stress < 1e-18, $"stress {embedding.Stress}");
        var recovered = Mds.Distances(embedding.Points);
        for (int i = 0; i < 12; i++) for (int j = 0; j < 12; j++) Assert.Equal(delta[i, j], recovered[i, j], 1e-9);
    }

    [Fact]
    public void Smacof_never_increases_the_stress_and_improves_on_classical_mds()
    {
        var points = RandomPoints(15, 10, 3);
        var delta = Mds.Distances(points);
        var smacof = Mds.Smacof(delta);
        for (int i = 1; i < smacof.StressHistory.Length; i++)
            Assert.True(smacof.StressHistory[i] <= smacof.StressHistory[i - 1] * (1 + 1e-12), $"iteration {i}");
        Assert.True(smacof.Stress < Mds.Classical(delta).Stress);
    }

    [Fact]
    public void Kruskal_stress_of_collapsing_every_point_to_one_is_one()
    {
        // All points at the origin: every embedded distance is 0, so stress = sum delta^2 and stress-1 = 1 exactly.
        var delta = Mds.Distances(RandomPoints(6, 4, 5));
        var collapsed = Enumerable.Range(0, 6).Select(_ => new double[2]).ToArray();
        Assert.Equal(1, Mds.KruskalStress(Mds.Stress(collapsed, delta), delta), 12);
        Assert.Equal(0, Mds.KruskalStress(0, delta));
    }
}
