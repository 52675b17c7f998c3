using ScottPlot;

namespace Basin.Reports.Plots;

/// <summary>One look for every figure: DejaVu Sans (installed with Debian's fonts; Skia's default may be missing).</summary>
internal static class PlotStyle
{
    public const string Font = "DejaVu Sans";

    public static Plot Create(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Font.Set(Font);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    /// <summary>
    /// The legend in the corner of the plotted box (<paramref name="box"/>, else the points' own) whose quarter holds the
    /// fewest of the points, so that it covers no path's end or labelled minimum; ties go to the upper right.
    /// </summary>
    public static void ShowLegendAwayFrom(Plot plot, IEnumerable<(double X, double Y)> points, (double X0, double X1, double Y0, double Y1)? box = null)
    {
        var p = points.Where(q => double.IsFinite(q.X) && double.IsFinite(q.Y)).ToArray();
        if (p.Length == 0) { plot.ShowLegend(Alignment.UpperRight); return; }
        var (x0, x1, y0, y1) = box ?? (p.Min(q => q.X), p.Max(q => q.X), p.Min(q => q.Y), p.Max(q => q.Y));
        double xm = (x0 + x1) / 2, ym = (y0 + y1) / 2;
        var corners = new (Alignment Where, Func<(double X, double Y), bool> In)[]
        {
            (Alignment.UpperRight, q => q.X >= xm && q.Y >= ym), (Alignment.UpperLeft, q => q.X < xm && q.Y >= ym),
            (Alignment.LowerRight, q => q.X >= xm && q.Y < ym), (Alignment.LowerLeft, q => q.X < xm && q.Y < ym),
        };
        plot.ShowLegend(corners.MinBy(c => p.Count(c.In)).Where);
    }

    /// <summary>Writes the figure as PNG and SVG (path without extension), each to a temporary name first.</summary>
    public static void Save(Plot plot, string stem, int width, int height)
    {
        Write(stem + ".png", tmp => plot.SavePng(tmp, width, height));
        Write(stem + ".svg", tmp => plot.SaveSvg(tmp, width, height));
    }

    static void Write(string path, Action<string> save)
    {
        string full = Path.GetFullPath(path);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp{Path.GetExtension(full)}");
        try
        {
            save(tmp);
            File.Move(tmp, full, true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
