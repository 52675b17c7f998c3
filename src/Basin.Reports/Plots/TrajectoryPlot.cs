using Basin.Landscape;
using ScottPlot;

namespace Basin.Reports.Plots;

/// <summary>Trajectories as paths in a plane (PCA coordinates or an MDS embedding), over the loss contours when given.</summary>
internal static class TrajectoryPlot
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
        // Away from the paths and from the surface's labelled minimum.
        var avoid = paths.SelectMany(x => x.Points).Select(q => (q[0], q[1])).ToList();
        if (surface is not null)
        {
            int best = Enumerable.Range(0, surface.Cells).Where(c => double.IsFinite(surface.TrainLoss[c])).DefaultIfEmpty(-1).MinBy(c => c < 0 ? 0 : surface.TrainLoss[c]);
            if (best >= 0) for (int k = 0; k < 8; k++) avoid.Add(surface.Coordinates(best));
        }
        PlotStyle.ShowLegendAwayFrom(plot, avoid, surface is null ? null : (surface.X.Min, surface.X.Max, surface.Y!.Min, surface.Y.Max));
        PlotStyle.Save(plot, stem, 760, 620);
    }

    /// <summary>The same points coloured by their training loss (Theory II's second MDS view), the range in the title.</summary>
    public static void SaveByLoss(double[][] points, double[] losses, string stem, string title, string xLabel, string yLabel)
    {
        var colormap = new ScottPlot.Colormaps.Viridis();
        double lo = losses.Where(double.IsFinite).DefaultIfEmpty(0).Min(), hi = losses.Where(double.IsFinite).DefaultIfEmpty(1).Max();
        var plot = PlotStyle.Create($"{title}: training loss {lo:G3} (dark) to {hi:G3} (yellow)", xLabel, yLabel);
        for (int i = 0; i < points.Length; i++)
        {
            double f = hi > lo && double.IsFinite(losses[i]) ? (losses[i] - lo) / (hi - lo) : 0;
            plot.Add.Marker(points[i][0], points[i][1], MarkerShape.FilledCircle, 8, colormap.GetColor(f));
        }
        PlotStyle.Save(plot, stem, 760, 620);
    }

    /// <summary>Curves of a quantity per run against epochs (e.g. the training error after perturbations).</summary>
    /// <remarks><paramref name="xs"/> defaults to 0, 1, 2, ...; <paramref name="markAt"/> draws a labelled vertical line.</remarks>
    public static void SaveCurves(IReadOnlyList<(string Name, double[] Values)> curves, string stem, string title, string xLabel, string yLabel,
        double[]? xs = null, (double X, string Label)? markAt = null)
    {
        var plot = PlotStyle.Create(title, xLabel, yLabel);
        foreach (var (name, values) in curves)
        {
            var line = plot.Add.ScatterLine(xs ?? Enumerable.Range(0, values.Length).Select(i => (double)i).ToArray(), values);
            line.LegendText = name;
            line.LineWidth = 2;
        }
        var positions = xs ?? Enumerable.Range(0, curves.Max(c => c.Values.Length)).Select(i => (double)i).ToArray();
        if (markAt is { } mark)
        {
            var v = plot.Add.VerticalLine(mark.X);
            v.LinePattern = LinePattern.Dashed;
            v.Text = mark.Label;
            v.LabelFontName = PlotStyle.Font;
        }
        PlotStyle.ShowLegendAwayFrom(plot, curves.SelectMany(c => c.Values.Select((v, i) => (i < positions.Length ? positions[i] : i, v))));
        PlotStyle.Save(plot, stem, 760, 480);
    }
}
