using System.Globalization;
using System.Text;
using Basin.Landscape;
using Basin.Models;

namespace Basin.Reports.Plots;

/// <summary>
/// An interactive 3D surface as one self-contained HTML file: plotly.js (the gl3d bundle, MIT) is inlined, so
/// the page opens offline; non-finite cells are gaps.
/// </summary>
internal static class SurfaceHtml
{
    static readonly Lazy<string> Plotly = new(() =>
    {
        using var s = typeof(SurfaceHtml).Assembly.GetManifestResourceStream("plotly-gl3d.min.js")
            ?? throw new InvalidOperationException("plotly.js is missing from the build");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    });

    /// <summary>The plotly.js bundle itself, for pages that hold several figures.</summary>
    public static string Script => Plotly.Value;

    static string Number(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "null";

    /// <summary>A div and script drawing the 2D surface (plotly: z[row][column] at y[row], x[column]).</summary>
    /// <param name="path">Points of the plane to draw on the surface as a line (a trajectory's checkpoints), at the surface's
    /// loss there (bilinear between the grid's points).</param>
    public static string Figure(Surface s, string id, string title, IReadOnlyList<(double X, double Y)>? path = null)
    {
        var z = new StringBuilder("[");
        for (int j = 0; j < s.Columns; j++)
        {
            if (j > 0) z.Append(',');
            z.Append('[').AppendJoin(',', Enumerable.Range(0, s.X.Count).Select(i => Number(s.TrainLoss[i * s.Columns + j]))).Append(']');
        }
        z.Append(']');
        string xs = string.Join(",", s.X.Values().Select(Number));
        string ys = string.Join(",", s.Y!.Values().Select(Number));
        string trace = "{type: \"surface\", x: [" + xs + "], y: [" + ys + "], z: " + z +
            ", colorscale: \"Viridis\", contours: {z: {show: true, usecolormap: true, project: {z: true}}}}";
        if (path is { Count: > 0 })
            trace += ", {type: \"scatter3d\", mode: \"lines+markers\", name: \"trajectory\", line: {color: \"red\", width: 5}, marker: {size: 3, color: \"red\"}, " +
                $"x: [{string.Join(",", path.Select(p => Number(p.X)))}], y: [{string.Join(",", path.Select(p => Number(p.Y)))}], " +
                $"z: [{string.Join(",", path.Select(p => Number(s.LossAt(p.X, p.Y))))}]}}";
        string layout = "{title: {text: " + System.Text.Json.JsonSerializer.Serialize(title) + "}, margin: {l: 0, r: 0, t: 40, b: 0}, " +
            "scene: {xaxis: {title: {text: \"x\"}}, yaxis: {title: {text: \"y\"}}, zaxis: {title: {text: \"loss\"}}}}";
        return $"<div id=\"{id}\" style=\"width:100%;height:600px\"></div>\n" +
               $"<script>Plotly.newPlot(\"{id}\", [{trace}], {layout}, {{responsive: true}});</script>\n";
    }

    public static void Write(Surface s, string path, string title)
    {
        string html = $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{{System.Net.WebUtility.HtmlEncode(title)}}</title>
            <script>{{Script}}</script></head>
            <body style="font-family: 'DejaVu Sans', sans-serif; margin: 1em">
            {{Figure(s, "surface", title)}}
            </body></html>
            """;
        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(html)));
    }
}
