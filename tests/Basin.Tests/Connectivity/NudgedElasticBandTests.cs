using Basin.Connectivity;

namespace Basin.Tests.Connectivity;

public class NudgedElasticBandTests
{
    /// <summary>E = (x^2 - 1)^2 + 2 (y - (x^2 - 1)/2)^2: minima (+-1, 0), a curved valley, saddle (0, -1/2) at height 1.</summary>
    sealed class CurvedDoubleWell : IEnergyLandscape
    {
        public int Dimension => 2;
        public double Gradient(ReadOnlySpan<double> p, Span<double> g)
        {
            double x = p[0], y = p[1], u = x * x - 1, v = y - u / 2;
            g[0] = 4 * x * u + 4 * v * (-x);
            g[1] = 4 * v;
            return u * u + 2 * v * v;
        }
    }

    [Fact]
    public void Climbing_image_band_finds_the_known_saddle_below_the_straight_line_barrier()
    {
        var f = new CurvedDoubleWell();
        var g = new double[2];
        Assert.Equal(1.5, f.Gradient([0, 0], g), 12);
        var band = NudgedElasticBand.Run(f, [-1, 0], [1, 0], images: 9, iterations: 4000, step: 0.01, spring: 1);
        Assert.Equal(1.0, band.Saddle, 3);
        int top = Array.IndexOf(band.Energies, band.Saddle);
        Assert.Equal(0, band.Images[top][0], 2);
        Assert.Equal(-0.5, band.Images[top][1], 2);
        Assert.Equal(1.0, band.Barrier, 3);
    }

    [Fact]
    public void Pivot_insertion_adds_images_where_the_band_is_coarse()
    {
        var f = new CurvedDoubleWell();
        var band = NudgedElasticBand.Run(f, [-1, 0], [1, 0], images: 2, iterations: 2000, step: 0.01, cycles: 3, insertThreshold: 0.05);
        Assert.True(band.Images.Length > 4);
        Assert.Equal(1.0, band.Saddle, 2);
    }
}
