using Basin.Landscape;
using ScottPlot;

namespace Basin.Reports.Plots;

/// <summary>Trajectories as paths in a plane (PCA coordinates or an MDS embedding), over the loss contours when given.</summary>
public static class TrajectoryPlot
{
    public static void Save(IReadOnlyList<(string Run, double[][] Points)> paths, string stem, string title, string xLabel, string yLabel, Surface? surface = null)
    {
        var plot = surface is null ? PlotStyle.Create(title, xLabel, yLabel) : SurfacePlots.ContourPlot(surface, log: false);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        var palette = new ScottPlot.Palettes.Category10();
        for (int r = 0; r < paths.Count; r++)
        {
            var (run, points) = paths[r];
            var line = plot.Add.Scatter(points.Select(p => p[0]).ToArray(), points.Select(p => p[1]).ToArray(), palette.GetColor(r));
            line.LegendText = run;
            line.MarkerSize = 5;
            line.LineWidth = 1.5f;
            var end = points[^1];
            plot.Add.Marker(end[0], end[1], MarkerShape.FilledSquare, 9, palette.GetColor(r));
        }
        plot.ShowLegend(Alignment.UpperRight);
        PlotStyle.Save(plot, stem, 760, 620);
    }
}
