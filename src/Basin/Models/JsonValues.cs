using System.Text.Json;
using System.Text.Json.Nodes;

namespace Basin.Models;

/// <summary>
/// Numbers as the JSON outputs write them: a non-finite value (a diverged loss) becomes null; and JSON read strictly.
/// </summary>
internal static class JsonValues
{
    public static JsonNode? Number(double x) => double.IsFinite(x) ? JsonValue.Create(x) : null;

    public static JsonArray Numbers(IEnumerable<double> values) => new(values.Select(Number).ToArray());

    /// <summary>Values written as they are (finite by construction: grids, eigenvalues, steps).</summary>
    public static JsonArray Exact(IEnumerable<double> values) => new(values.Select(v => (JsonNode)v).ToArray());

    public static JsonArray Exact(IEnumerable<long> values) => new(values.Select(v => (JsonNode)v).ToArray());

    public static JsonArray Matrix(double[,] a) => new(Enumerable.Range(0, a.GetLength(0))
        .Select(i => (JsonNode)Numbers(Enumerable.Range(0, a.GetLength(1)).Select(j => a[i, j]))).ToArray());

    /// <summary>
    /// JSON in which a repeated key in any object is an error (a JsonObject would otherwise throw on first use of it).
    /// Checked here rather than by AllowDuplicateProperties = false, whose randomized hashing of property names seeds
    /// itself from OpenSSL: loading it cost every command that reads weights 3-4 MB and milliseconds.
    /// </summary>
    public static JsonNode? ParseStrict(string json)
    {
        using (var document = JsonDocument.Parse(json)) RejectRepeatedKeys(document.RootElement);
        return JsonNode.Parse(json);
    }

    static void RejectRepeatedKeys(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Array)
            foreach (var item in element.EnumerateArray()) RejectRepeatedKeys(item);
        if (element.ValueKind != JsonValueKind.Object) return;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!names.Add(property.Name)) throw new JsonException($"Duplicate property '{property.Name}'");
            RejectRepeatedKeys(property.Value);
        }
    }
}
