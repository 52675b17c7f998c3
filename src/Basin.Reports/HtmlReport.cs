using System.Net;
using System.Text;
using Basin.Models;

namespace Basin.Reports;

/// <summary>
/// One self-contained HTML page: settings, claims next to measurements, tables, PNG figures (inlined as data
/// URIs) and interactive 3D surfaces (plotly.js inlined once). It opens offline.
/// </summary>
internal sealed class HtmlReport(string title)
{
    readonly StringBuilder body = new();
    bool plotly;

    static string E(string s) => WebUtility.HtmlEncode(s);

    public HtmlReport Heading(string text) { body.Append($"<h2>{E(text)}</h2>\n"); return this; }
    public HtmlReport Paragraph(string text) { body.Append($"<p>{E(text)}</p>\n"); return this; }

    public HtmlReport Settings(IEnumerable<KeyValuePair<string, string>> settings) =>
        Table(["setting", "value"], settings.Select(kv => new[] { kv.Key, kv.Value }));

    /// <summary>The paper's claim beside what this run measured, its control, and the verdict with its rule.</summary>
    public HtmlReport Claims(IEnumerable<(string Claim, string Measured, string Control, string Verdict)> claims) =>
        Table(["the paper's claim", "measured here", "control (the opposite predicted)", "verdict"], claims.Select(c => new[] { c.Claim, c.Measured, c.Control, c.Verdict }));

    public HtmlReport Table(IReadOnlyList<string> headers, IEnumerable<string[]> rows)
    {
        body.Append("<table><tr>").AppendJoin("", headers.Select(h => $"<th>{E(h)}</th>")).Append("</tr>\n");
        foreach (var row in rows) body.Append("<tr>").AppendJoin("", row.Select(c => $"<td>{E(c)}</td>")).Append("</tr>\n");
        body.Append("</table>\n");
        return this;
    }

    public HtmlReport Figure(string pngPath, string caption) => Figure(File.ReadAllBytes(pngPath), caption);

    public HtmlReport Figure(byte[] png, string caption)
    {
        string data = Convert.ToBase64String(png);
        body.Append($"<figure><img alt=\"{E(caption)}\" src=\"data:image/png;base64,{data}\"><figcaption>{E(caption)}</figcaption></figure>\n");
        return this;
    }

    public HtmlReport Surface3D(Landscape.Surface surface, string caption, IReadOnlyList<(double X, double Y)>? path = null)
    {
        plotly = true;
        body.Append(Plots.SurfaceHtml.Figure(surface, $"surface{body.Length}", caption, path));
        return this;
    }

    public void Write(string path)
    {
        string version = typeof(HtmlReport).Assembly.GetName().Version?.ToString(3) ?? "";
        string html = $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{{E(title)}}</title>
            <style>body{font-family:'DejaVu Sans',sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}
            td,th{border:1px solid #bbb;padding:4px 8px;text-align:left}th{background:#eee}img{max-width:100%}figure{margin:1em 0}
            figcaption{color:#555;font-size:90%}</style>
            {{(plotly ? "<script>" + Plots.SurfaceHtml.Script + "</script>" : "")}}</head>
            <body><h1>{{E(title)}}</h1><p>Basin {{E(version)}}, {{DateTime.UtcNow:yyyy-MM-dd HH:mm}} UTC</p>
            {{body}}
            </body></html>
            """;
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(html)));
    }
}
