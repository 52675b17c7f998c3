using System.Text.Json;
using System.Text.Json.Nodes;
using Basin.Landscape;
using Basin.Models;

namespace Basin.Experiments;

/// <summary>A claim of the paper, what the run measured for it, and whether the measurement meets the claim's threshold.</summary>
public sealed record Claim(string Statement, string Measured, bool Holds);

/// <summary>
/// What an experiment found: its claims, the lines it reports before and after them, its figures, and the document
/// written as experiment.json (title, paper, settings, claims, measurements, seconds).
/// </summary>
public sealed record ExperimentResult(IReadOnlyList<Claim> Claims, JsonObject Json, IReadOnlyList<Figure> Figures)
{
    public IReadOnlyList<string> Summary { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];

    public bool AllHold => Claims.All(c => c.Holds);

    /// <summary>The document's claims section.</summary>
    internal static JsonArray ClaimsJson(IEnumerable<Claim> claims) =>
        new(claims.Select(c => (JsonNode)new JsonObject { ["claim"] = c.Statement, ["measured"] = c.Measured, ["holds"] = c.Holds }).ToArray());

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
