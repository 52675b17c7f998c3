using Basin.Curvature;

namespace Basin.Reports.Plots;

/// <summary>The Hessian spectral density on a log scale, as Ghorbani et al. (2019) draw it.</summary>
internal static class DensityPlot
{
    public static void Save(SpectralDensityResult density, string stem, string title)
    {
        var (grid, values) = density.Sample(600);
        var plot = PlotStyle.Create(title, "eigenvalue", "log10 density");
        var line = plot.Add.ScatterLine(grid, values.Select(v => Math.Log10(Math.Max(v, 1e-12))).ToArray());
        line.LineWidth = 2;
        PlotStyle.Save(plot, stem, 800, 500);
    }
}
