using System.Text.Json.Nodes;

namespace Basin.Models;

/// <summary>Numbers as the JSON outputs write them: a non-finite value (a diverged loss) becomes null.</summary>
internal static class JsonValues
{
    public static JsonNode? Number(double x) => double.IsFinite(x) ? JsonValue.Create(x) : null;

    public static JsonArray Numbers(IEnumerable<double> values) => new(values.Select(Number).ToArray());

    /// <summary>Values written as they are (finite by construction: grids, eigenvalues, steps).</summary>
    public static JsonArray Exact(IEnumerable<double> values) => new(values.Select(v => (JsonNode)v).ToArray());

    public static JsonArray Exact(IEnumerable<long> values) => new(values.Select(v => (JsonNode)v).ToArray());

    public static JsonArray Matrix(double[,] a) => new(Enumerable.Range(0, a.GetLength(0))
        .Select(i => (JsonNode)Numbers(Enumerable.Range(0, a.GetLength(1)).Select(j => a[i, j]))).ToArray());
}
