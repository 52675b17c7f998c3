using System.Text.Json;
using System.Text.Json.Nodes;
using Basin.Landscape;
using Basin.Models;

namespace Basin.Experiments;

/// <summary>
/// What an experiment found: its claims, its checks (identities that hold by construction, reported apart), the lines it
/// reports before and after them, its figures, and the document written as experiment.json (title, paper, settings,
/// claims, checks, measurements, seconds).
/// </summary>
public sealed record ExperimentResult(IReadOnlyList<Claim> Claims, JsonObject Json, IReadOnlyList<Figure> Figures)
{
    public IReadOnlyList<Claim> Checks { get; init; } = [];
    public IReadOnlyList<string> Summary { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>No claim or check failed (an inconclusive claim is not a failure of the run).</summary>
    public bool NoneFails => Claims.Concat(Checks).All(c => c.Verdict != Verdict.Fails);

    /// <summary>The run as text: the summary, each claim and then each check with its verdict and control, the notes.</summary>
    public IEnumerable<string> Lines()
    {
        foreach (var line in Summary) yield return line;
        foreach (var (c, kind) in Claims.Select(c => (c, "")).Concat(Checks.Select(c => (c, "check: "))))
        {
            yield return $"[{(c.Verdict == Verdict.Fails ? "FAILS" : c.Verdict.ToString().ToLowerInvariant())}] {kind}{c.Statement}: {c.Measured}";
            if (c.Control is var (condition, outcome)) yield return $"    control, {condition}: {outcome}";
        }
        foreach (var line in Notes) yield return line;
    }

    /// <summary>The document's claims (or checks) section: each with its verdict, rule, control and per-seed measurements.</summary>
    internal static JsonArray ClaimsJson(IEnumerable<Claim> claims) => new(claims.Select(c => (JsonNode)new JsonObject
    {
        ["claim"] = c.Statement, ["measured"] = c.Measured, ["verdict"] = c.Verdict.ToString().ToLowerInvariant(), ["holds"] = c.Holds, ["rule"] = c.Rule,
        ["control"] = c.Control is var (condition, outcome) ? new JsonObject { ["condition"] = condition, ["outcome"] = outcome } : null,
        ["seeds"] = JsonValues.Numbers(c.Seeds), ["control_seeds"] = JsonValues.Numbers(c.ControlSeeds),
    }).ToArray());

    /// <summary>Writes experiment.json, and the HDF5 file of every figure drawn from a surface, into the directory.</summary>
    public void Save(string directory)
    {
        AtomicFile.Write(Path.Combine(directory, "experiment.json"),
            s => s.Write(System.Text.Encoding.UTF8.GetBytes(Json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }))));
        foreach (var figure in Figures)
            if (figure.Surface is { } surface && figure.Curves.Count == 0 && figure.Paths.Count == 0)
                SurfaceFile.Write(Path.Combine(directory, figure.File + ".h5"), surface);
    }
}
