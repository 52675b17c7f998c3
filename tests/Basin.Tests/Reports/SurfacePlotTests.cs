using System.Buffers.Binary;
using Basin.Landscape;
using Basin.Reports.Plots;

namespace Basin.Tests.Reports;

public class SurfacePlotTests
{
    static Surface Bowl(bool twoD, bool holes)
    {
        var x = new Axis(-1, 1, 11);
        var s = new Surface(x, twoD ? new Axis(-0.5, 0.5, 7) : null, true, new Dictionary<string, string>());
        for (int c = 0; c < s.Cells; c++)
        {
            var (a, b) = s.Coordinates(c);
            s.TrainLoss[c] = 0.2 + a * a + 2 * b * b;
            s.TestLoss![c] = 0.4 + a * a + b * b;
            s.TrainAccuracy[c] = s.TestAccuracy![c] = 1 / (1 + a * a);
            s.Done[c] = true;
        }
        if (holes) { s.TrainLoss[3] = double.NaN; s.TrainLoss[s.Cells - 1] = double.PositiveInfinity; }
        return s;
    }

    static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    static string Stem() => Path.Combine(TestPaths.Root, $"basin-plot-{Guid.NewGuid():N}");

    [Theory]
    [InlineData(false, false, 800, 500, "Loss along the path")]
    [InlineData(false, true, 800, 500, "Loss along the path")]
    [InlineData(true, false, 700, 600, "Training loss")]
    [InlineData(true, true, 700, 600, "Training loss")]
    public void Figures_render_at_their_size_with_their_text(bool twoD, bool holes, int width, int height, string title)
    {
        string stem = Stem();
        SurfacePlots.Save(Bowl(twoD, holes), stem);
        Assert.Equal((width, height), PngSize(stem + ".png"));
        Assert.True(new FileInfo(stem + ".png").Length > 10_000);
        string svg = File.ReadAllText(stem + ".svg");
        Assert.Contains(title, svg);
        Assert.Contains("DejaVu Sans", svg);
        if (twoD) Assert.Contains("min 0.2", svg);
        else Assert.Contains("accuracy (%)", svg);
    }

    [Fact]
    public void Html_surface_inlines_plotly_and_loads_nothing_from_the_network()
    {
        string path = Stem() + ".html";
        SurfaceHtml.Write(Bowl(true, true), path, "bowl");
        string html = File.ReadAllText(path);
        Assert.Contains("Plotly.newPlot(\"surface\"", html);
        Assert.Contains("plotly.js (gl3d - minified)", html);
        Assert.DoesNotContain("<script src", html);
        Assert.Contains("null", html);
        Assert.True(html.Length > 1_000_000);
    }
}
