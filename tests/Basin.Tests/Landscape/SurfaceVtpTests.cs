using System.Globalization;
using System.Xml.Linq;
using Basin.Landscape;

namespace Basin.Tests.Landscape;

/// <summary>The ParaView export, parsed back as XML: a point per cell at (x, y, value), quads between neighbours, the value as point data.</summary>
public class SurfaceVtpTests
{
    static Surface Grid()
    {
        // 4 x 3 cells, loss 10 i + j + 0.25 at (x[i], y[j]), one cell far above the rest.
        var s = new Surface(new Axis(-1, 1, 4), new Axis(0, 1, 3), false, new Dictionary<string, string>());
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 3; j++)
            {
                s.TrainLoss[i * 3 + j] = 10 * i + j + 0.25;
                s.TrainAccuracy[i * 3 + j] = 0.5;
                s.Done[i * 3 + j] = true;
            }
        s.TrainLoss[3 * 3 + 2] = 1e6;
        return s;
    }

    static double[] Numbers(XElement array) =>
        array.Value.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(false, 40)]
    public void The_vtp_file_holds_the_grid_and_its_values(bool log, double zmax)
    {
        var s = Grid();
        string path = Path.Combine(TestPaths.NewDirectory("vtp"), "s.vtp");
        SurfaceVtp.Write(path, s, log: log, zmax: zmax);
        var piece = XDocument.Load(path).Root!.Element("PolyData")!.Element("Piece")!;
        Assert.Equal("12", piece.Attribute("NumberOfPoints")!.Value);
        Assert.Equal("6", piece.Attribute("NumberOfPolys")!.Value);
        var points = Numbers(piece.Element("Points")!.Element("DataArray")!);
        var values = Numbers(piece.Element("PointData")!.Elements("DataArray").Single(a => a.Attribute("Name")!.Value == "train_loss"));
        Assert.Equal(36, points.Length);
        for (int j = 0; j < 3; j++)
            for (int i = 0; i < 4; i++)
            {
                int k = j * 4 + i;
                double z = s.TrainLoss[i * 3 + j];
                if (log) z = Math.Log(z + 0.1);
                if (zmax > 0) z = Math.Min(z, zmax);
                Assert.Equal(s.X[i], points[3 * k]);
                Assert.Equal(s.Y![j], points[3 * k + 1]);
                Assert.Equal(z, points[3 * k + 2]);
                Assert.Equal(z, values[k]);
            }
        var polys = piece.Element("Polys")!.Elements("DataArray").ToArray();
        var connectivity = Numbers(polys.Single(a => a.Attribute("Name")!.Value == "connectivity"));
        Assert.Equal(new double[] { 0, 1, 5, 4 }, connectivity[..4]);
        Assert.Equal(new double[] { 6, 7, 11, 10 }, connectivity[^4..]);
        Assert.Equal(new double[] { 4, 8, 12, 16, 20, 24 }, Numbers(polys.Single(a => a.Attribute("Name")!.Value == "offsets")));
    }

    [Fact]
    public void A_curve_or_a_missing_quantity_is_refused()
    {
        var curve = new Surface(new Axis(-1, 1, 5), null, false, new Dictionary<string, string>());
        string dir = TestPaths.NewDirectory("vtp");
        Assert.Contains("1D curve", Assert.Throws<BasinException>(() => SurfaceVtp.Write(Path.Combine(dir, "c.vtp"), curve)).Why);
        Assert.Contains("no test_loss", Assert.Throws<BasinException>(() => SurfaceVtp.Write(Path.Combine(dir, "t.vtp"), Grid(), "test_loss")).Why);
    }
}
