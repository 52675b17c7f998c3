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
