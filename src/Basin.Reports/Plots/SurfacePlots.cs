using Basin.Landscape;
using ScottPlot;

namespace Basin.Reports.Plots;

/// <summary>Figures of a loss surface: curves for 1D, a filled contour map with labelled contours for 2D.</summary>
internal static class SurfacePlots
{
    /// <summary>
    /// Writes STEM.png and STEM.svg: the curve (1D, along <paramref name="xLabel"/>) or the contour map (2D) of the
    /// training loss, and for a 2D surface with test values STEM-test.png and .svg of the test loss.
    /// </summary>
    public static void Save(Surface s, string stem, bool logScale = false, string xLabel = "x")
    {
        if (s.Y is null) Curve(s, stem, logScale, xLabel);
        else
        {
            PlotStyle.Save(ContourPlot(s, logScale), stem, 700, 600);
            if (s.HasTest) PlotStyle.Save(ContourPlot(s, logScale, test: true), stem + "-test", 700, 600);
        }
    }

    static double Scale(double loss, bool log) => !double.IsFinite(loss) ? double.NaN : log ? Math.Log10(Math.Max(loss, 1e-12)) : loss;

    static void Curve(Surface s, string stem, bool log, string xLabel)
    {
        var plot = PlotStyle.Create("Loss along the path", xLabel, log ? "log10 loss" : "loss");
        var x = s.X.Values();
        var train = plot.Add.ScatterLine(x, s.TrainLoss.Select(v => Scale(v, log)).ToArray());
        train.LegendText = "train loss";
        train.LineWidth = 2;
        if (s.HasTest)
        {
            var test = plot.Add.ScatterLine(x, s.TestLoss!.Select(v => Scale(v, log)).ToArray());
            test.LegendText = "test loss";
            test.LineWidth = 2;
        }
        var acc = plot.Add.ScatterLine(x, s.TrainAccuracy.Select(v => 100 * v).ToArray());
        acc.LegendText = "train accuracy (%)";
        acc.LinePattern = LinePattern.Dashed;
        acc.Axes.YAxis = plot.Axes.Right;
        if (s.HasTest)
        {
            var testAcc = plot.Add.ScatterLine(x, s.TestAccuracy!.Select(v => 100 * v).ToArray());
            testAcc.LegendText = "test accuracy (%)";
            testAcc.LinePattern = LinePattern.Dashed;
            testAcc.Axes.YAxis = plot.Axes.Right;
        }
        plot.Axes.Right.Label.Text = "accuracy (%)";
        // The legend goes where the loss curve is not (the accuracy, on its own axis, is not weighed).
        PlotStyle.ShowLegendAwayFrom(plot, x.Select((v, i) => (v, Scale(s.TrainLoss[i], log))));
        PlotStyle.Save(plot, stem, 800, 500);
    }

    /// <summary>The filled, labelled contour map of a 2D surface's training (or test) loss, for figures that draw more on top.</summary>
    internal static Plot ContourPlot(Surface s, bool log, bool test = false)
    {
        string what = test ? "test loss" : "training loss";
        var plot = PlotStyle.Create(log ? $"log10 {what}" : char.ToUpperInvariant(what[0]) + what[1..], "x", "y");
        var loss = test ? s.TestLoss! : s.TrainLoss;
        int nx = s.X.Count, ny = s.Columns;
        double highest = loss.Where(double.IsFinite).DefaultIfEmpty(0).Max();
        var heat = new double[ny, nx];
        var lines = new Coordinates3d[ny, nx];
        for (int i = 0; i < nx; i++)
        for (int j = 0; j < ny; j++)
        {
            double z = loss[i * ny + j];
            // Row 0 of a heatmap is drawn at the top: put the largest y there.
            heat[ny - 1 - j, i] = Scale(z, log);
            lines[ny - 1 - j, i] = new Coordinates3d(s.X[i], s.Y![j], Scale(double.IsFinite(z) ? z : highest, log));
        }
        var map = plot.Add.Heatmap(heat);
        map.Extent = CellCentres(s);
        // The view is the grid itself: the cells' outer halves beyond the first and last points stay out of it.
        plot.Axes.SetLimits(s.X.Min, s.X.Max, s.Y!.Min, s.Y.Max);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        map.NaNCellColor = Colors.Transparent;
        map.Smooth = true;
        var bar = plot.Add.ColorBar(map, Edge.Right);
        bar.Label = log ? $"log10 {what}" : what;
        bar.LabelStyle.FontName = PlotStyle.Font;
        var contours = plot.Add.ContourLines(lines, 12);
        contours.LineColor = Colors.White.WithAlpha(0.8);
        LabelContours(plot, contours, s);
        int best = -1;
        for (int c = 0; c < s.Cells; c++)
            if (double.IsFinite(loss[c]) && (best < 0 || loss[c] < loss[best])) best = c;
        if (best >= 0)
        {
            var (bx, by) = s.Coordinates(best);
            plot.Add.Marker(bx, by, MarkerShape.FilledCircle, 10, Colors.Red);
            var label = plot.Add.Text($"min {loss[best]:G4}", bx, by);
            label.LabelFontColor = Colors.Red;
            label.LabelFontName = PlotStyle.Font;
            // Towards the middle of the map, so that an edge does not cut it.
            bool right = bx > (s.X.Min + s.X.Max) / 2, high = by > (s.Y.Min + s.Y.Max) / 2;
            label.LabelAlignment = (right, high) switch
            {
                (true, true) => Alignment.UpperRight, (true, false) => Alignment.LowerRight, (false, true) => Alignment.UpperLeft, _ => Alignment.LowerLeft,
            };
            label.OffsetX = right ? -8 : 8;
            label.OffsetY = high ? 8 : -8;
        }
        return plot;
    }

    /// <summary>
    /// One label per contour line, at the point of its path nearest its middle that is clear of the grid's edges, along
    /// the line but never upside down (ScottPlot's own labels fall in corners, upside down or cut off).
    /// </summary>
    static void LabelContours(Plot plot, ScottPlot.Plottables.ContourLines contours, Surface s)
    {
        contours.LabelStyle.IsVisible = false;
        double x0 = s.X.Min, x1 = s.X.Max, y0 = s.Y!.Min, y1 = s.Y.Max;
        double mx = 0.08 * (x1 - x0), my = 0.08 * (y1 - y0);
        bool Clear(Coordinates c) => c.X > x0 + mx && c.X < x1 - mx && c.Y > y0 + my && c.Y < y1 - my;
        foreach (var line in contours.Lines)
        {
            var path = line.Path.Points;
            // A small ring (around the minimum, say) has no room for a label.
            if (path.Length < 4 || path.Max(p => p.X) - path.Min(p => p.X) < 2 * mx && path.Max(p => p.Y) - path.Min(p => p.Y) < 2 * my) continue;
            int best = -1;
            for (int k = 1; k + 1 < path.Length; k++)
                if (Clear(path[k]) && (best < 0 || Math.Abs(k - path.Length / 2) < Math.Abs(best - path.Length / 2))) best = k;
            if (best < 0) continue;
            var (a, b) = (path[best - 1], path[best + 1]);
            // The angle on screen: the axes span their ranges over about the same number of pixels.
            double angle = Math.Atan2((b.Y - a.Y) / (y1 - y0), (b.X - a.X) / (x1 - x0)) * 180 / Math.PI;
            if (angle > 90) angle -= 180;
            if (angle < -90) angle += 180;
            var label = plot.Add.Text(line.Z.ToString("G3", System.Globalization.CultureInfo.InvariantCulture), path[best].X, path[best].Y);
            label.LabelFontName = PlotStyle.Font;
            label.LabelFontSize = 11;
            label.LabelFontColor = Colors.White;
            label.LabelRotation = (float)-angle;
            label.LabelAlignment = Alignment.MiddleCenter;
        }
    }

    /// <summary>
    /// Writes STEM.png and STEM.svg: the convexity map |lambda_min / lambda_max| of the Hessian (Li et al. 2018, Fig. 7,
    /// loss-landscape's plot_hessian_eigen): near 0 where the surface is locally convex, large where it curves downward.
    /// </summary>
    public static void SaveConvexity(Surface s, string stem)
    {
        var ratio = Enumerable.Range(0, s.Cells).Select(s.Convexity).ToArray();
        const string title = "|min eigenvalue / max eigenvalue| of the Hessian";
        if (s.Y is null)
        {
            var curve = PlotStyle.Create(title, "x", "|lambda_min / lambda_max|");
            curve.Add.ScatterLine(s.X.Values(), ratio).LineWidth = 2;
            PlotStyle.Save(curve, stem, 800, 500);
            return;
        }
        var plot = PlotStyle.Create(title, "x", "y");
        int nx = s.X.Count, ny = s.Columns;
        var heat = new double[ny, nx];
        for (int i = 0; i < nx; i++)
        for (int j = 0; j < ny; j++)
            heat[ny - 1 - j, i] = double.IsFinite(ratio[i * ny + j]) ? ratio[i * ny + j] : double.NaN;
        var map = plot.Add.Heatmap(heat);
        map.Extent = CellCentres(s);
        // The view is the grid itself: the cells' outer halves beyond the first and last points stay out of it.
        plot.Axes.SetLimits(s.X.Min, s.X.Max, s.Y!.Min, s.Y.Max);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        map.NaNCellColor = Colors.Transparent;
        var bar = plot.Add.ColorBar(map, Edge.Right);
        bar.Label = "|lambda_min / lambda_max|";
        PlotStyle.Save(plot, stem, 700, 600);
    }

    /// <summary>
    /// The rectangle of the grid's first and last points: ScottPlot's extent places the outer cells' centres on it and
    /// draws half a cell beyond, so a [-1, 1] grid is drawn to +-1 plus half a step, not a whole step past the data.
    /// </summary>
    static CoordinateRect CellCentres(Surface s)
    {
        double hx = s.X.Count > 1 ? 0 : 0.5, hy = s.Columns > 1 ? 0 : 0.5;
        return new CoordinateRect(s.X.Min - hx, s.X.Max + hx, s.Y!.Min - hy, s.Y.Max + hy);
    }
}
