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
            report.Heading(Path.GetFileNameWithoutExtension(png)).Figure(png, Path.GetFileName(png));
        foreach (var h5 in Directory.GetFiles(dir, "*.h5").OrderBy(p => p, StringComparer.Ordinal))
        {
            var surface = SurfaceFile.Read(h5);
            if (surface.Y is not null) report.Heading($"{Path.GetFileName(h5)} in 3D").Surface3D(surface, $"training loss, {Path.GetFileName(h5)}");
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
                var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
                var shown = rows.Count <= 12 ? rows : rows.Take(3).Concat(rows.Skip(rows.Count - 8)).ToList();
                report.Table(lines[0].Split(','), shown.Select(r => r.ToArray()));
            }
        }
        report.Write(output);
        return output;
    }
}
