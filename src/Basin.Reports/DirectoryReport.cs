using System.Text.Json.Nodes;
using Basin.Landscape;
using Basin.Models;
using Basin.Training;

namespace Basin.Reports;

/// <summary>
/// One self-contained report.html from what a directory holds: an experiment's settings and claims (experiment.json),
/// its figures (PNG) and 2D surfaces (3D views), then the runs in it (model.json, metrics.csv).
/// </summary>
internal static class DirectoryReport
{
    /// <summary>Writes DIR/report.html; returns its path.</summary>
    public static string Write(string dir)
    {
        if (!Directory.Exists(dir)) throw new BasinException(dir, "no such directory");
        string output = Path.Combine(dir, "report.html");
        OutputPath.RequireFile(output, dir);
        string experimentPath = Path.Combine(dir, "experiment.json");
        var report = new HtmlReport($"Basin report: {Path.GetFileName(Path.GetFullPath(dir))}");
        if (File.Exists(experimentPath))
        {
            try
            {
                var experiment = JsonNode.Parse(File.ReadAllText(experimentPath))!.AsObject();
                report = new HtmlReport(experiment["title"]!.GetValue<string>());
                if (experiment["paper"] is { } paper) report.Paragraph(paper.GetValue<string>());
                report.Heading("Settings").Settings(experiment["settings"]!.AsObject().Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value?.ToString() ?? "")));
                foreach (var (section, key) in new[] { ("Claims and measurements", "claims"), ("Checks (identities that hold by construction)", "checks") })
                    if (experiment[key] is JsonArray claims && claims.Count > 0)
                        report.Heading(section).Claims(claims.Select(c => (c!["claim"]!.GetValue<string>(), c["measured"]!.GetValue<string>(),
                            c["control"] is JsonObject control ? $"{control["condition"]}: {control["outcome"]}" : "",
                            c["verdict"]!.GetValue<string>() + (c["rule"]?.GetValue<string>() is { Length: > 0 } rule ? $" ({rule})" : ""))).ToList());
                var besides = new[] { "summary", "notes" }.SelectMany(key => experiment[key]?.AsArray() ?? []).Select(line => line!.GetValue<string>()).ToList();
                if (besides.Count > 0) report.Heading("Also measured");
                foreach (var line in besides) report.Paragraph(line);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException or FormatException)
            {
                throw new BasinException(experimentPath, $"is not an experiment.json written by basin experiment ({e.Message})", "run the experiment again");
            }
        }
        foreach (var png in Directory.GetFiles(dir, "*.png").OrderBy(p => p, StringComparer.Ordinal))
            report.Heading(Title(Path.GetFileNameWithoutExtension(png))).Figure(png, Path.GetFileName(png));
        foreach (var json in Directory.GetFiles(dir, "*.json").Where(p => Path.GetFileName(p) != "experiment.json").OrderBy(p => p, StringComparer.Ordinal))
            if (Curvature(json) is { } rows) report.Heading($"Curvature ({Path.GetFileName(json)})").Table(["quantity", "value"], rows);
        foreach (var h5 in Directory.GetFiles(dir, "*.h5").Where(p => !p.EndsWith(".proj.h5", StringComparison.Ordinal) && !p.EndsWith(".dir.h5", StringComparison.Ordinal))
            .OrderBy(p => p, StringComparer.Ordinal))
        {
            var surface = SurfaceFile.Read(h5);
            if (surface.Y is null) continue;
            // A trajectory's plane with its projections beside it (basin trajectory --h5-directions): the path on the surface.
            string projections = Path.ChangeExtension(h5, ".proj.h5");
            var path = File.Exists(projections) ? DirectionFile.ReadProjections(projections) : null;
            report.Heading($"{Title(Path.GetFileNameWithoutExtension(h5))} in 3D").Surface3D(surface, $"training loss, {Path.GetFileName(h5)}" + (path is null ? "" : ", the trajectory in red"), path);
        }
        var runs = new[] { dir }.Concat(Directory.GetDirectories(dir).OrderBy(d => d, StringComparer.Ordinal)).Where(RunDirectory.IsRun).ToList();
        foreach (var runPath in runs)
        {
            var run = new RunDirectory(runPath);
            var config = JsonNode.Parse(run.ReadConfig().ToJson())!.AsObject();
            report.Heading($"Run {Path.GetFileName(runPath)}").Settings(config.Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value?.ToString() ?? "")));
            if (File.Exists(run.MetricsPath))
            {
                var lines = File.ReadAllLines(run.MetricsPath);
                var header = lines[0].Split(',');
                var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
                if (Plots.MetricsPlot.Png(header, rows) is { } curve) report.Figure(curve, "loss during training (metrics.csv)");
                // All rows up to 40; else the first 10 and the last 20, with a row saying how many are left out.
                var shown = rows.Count <= 40 ? rows
                    : [.. rows.Take(10), [$"... {rows.Count - 30} rows left out (metrics.csv has all)", .. Enumerable.Repeat("", header.Length - 1)], .. rows.Skip(rows.Count - 20)];
                report.Table(header, shown.Select(r => r.Select(Digits).ToArray()));
            }
        }
        report.Write(output);
        return output;
    }

    /// <summary>A number to six significant digits (metrics.csv keeps every bit); anything else as it is.</summary>
    static string Digits(string cell) =>
        cell.Contains('.') && double.TryParse(cell, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v)
            ? v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture) : cell;

    /// <summary>A figure's or surface's section title from its file name: the demo's and the commands' names in words.</summary>
    static string Title(string stem) => stem switch
    {
        "surface" => "Loss surface around the minimum (training loss)",
        "surface-test" => "Loss surface around the minimum (test loss)",
        "surface-convexity" => "Convexity map |min eigenvalue / max eigenvalue|",
        "trajectory" => "Training trajectory on its PCA plane",
        "trajectory-loss" => "Checkpoints by MDS, coloured by loss",
        "hessian-density" => "Hessian spectral density (stochastic Lanczos quadrature)",
        _ => char.ToUpperInvariant(stem[0]) + stem[1..].Replace('-', ' ').Replace('_', ' '),
    };

    /// <summary>The curvature numbers of a basin hessian JSON (eigenvalues, trace), or null for another JSON file.</summary>
    static List<string[]>? Curvature(string path)
    {
        JsonObject? json;
        try { json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject; }
        catch (System.Text.Json.JsonException) { return null; }
        if (json?["operator"] is null || json["products"] is null) return null;
        string G(JsonNode? v) => v is null ? "n/a" : v.GetValue<double>().ToString("G5", System.Globalization.CultureInfo.InvariantCulture);
        var rows = new List<string[]> { new[] { "operator", json["operator"]!.GetValue<string>() }, new[] { "examples", json["n"]!.ToString() } };
        if (json["eigenvalues"] is JsonArray top) rows.Add(["top eigenvalues (Lanczos)", string.Join(", ", top.Select(G))]);
        if (json["bottom_eigenvalues"] is JsonArray bottom) rows.Add(["bottom eigenvalues", string.Join(", ", bottom.Select(G))]);
        if (json["trace"] is { } trace) rows.Add(["trace (Hutchinson)", $"{G(trace)} +- {G(json["trace_stderr"])} (s.e., {json["trace_probes"]} probes)"]);
        if (json["trace_hutchpp"] is { } hpp) rows.Add(["trace (Hutch++)", $"{G(hpp)} +- {G(json["trace_hutchpp_stderr"])}"]);
        rows.Add(["Hessian-vector products", json["products"]!.ToString()]);
        return rows;
    }
}
