using System.Globalization;
using ScottPlot;

namespace Basin.Reports.Plots;

/// <summary>A run's loss curves from its metrics.csv: training (and test) loss against the step, as a PNG for the report.</summary>
internal static class MetricsPlot
{
    public static byte[]? Png(string[] header, IReadOnlyList<string[]> rows)
    {
        int step = Array.IndexOf(header, "step");
        if (step < 0 || rows.Count < 2) return null;
        var plot = PlotStyle.Create("Loss during training", "step", "loss");
        bool any = false;
        foreach (var (column, label) in new[] { ("train_loss", "train loss"), ("test_loss", "test loss") })
        {
            int c = Array.IndexOf(header, column);
            if (c < 0) continue;
            var points = rows.Where(r => r.Length > c && double.TryParse(r[c], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                .Select(r => (X: double.Parse(r[step], CultureInfo.InvariantCulture), Y: double.Parse(r[c], CultureInfo.InvariantCulture))).ToArray();
            if (points.Length < 2) continue;
            var line = plot.Add.ScatterLine(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
            line.LegendText = label;
            line.LineWidth = 2;
            any = true;
        }
        if (!any) return null;
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImage(800, 400).GetImageBytes(ImageFormat.Png);
    }
}
