using System.Text.Json.Nodes;

namespace Basin.Benchmarks;

/// <summary>
/// The cases of a <see cref="BenchmarkSuite"/> run beside the machine's measured FMA peak, and, given the PyTorch reference
/// timings (the JSON bench/pytorch_reference.py writes), the speed-up over PyTorch of each case it also timed.
/// </summary>
internal sealed record BenchmarkReport(int Threads, double PeakFlops, IReadOnlyList<BenchmarkCase> Cases)
{
    /// <summary>Reads the reference timings: a JSON object of case names and seconds.</summary>
    public static JsonObject ReadReference(string path)
    {
        try { return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new System.Text.Json.JsonException("not a JSON object"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            throw new BasinException(path, $"cannot read the reference timings ({e.Message})", "make it with bench/pytorch_reference.py, which prints the reference timings as JSON");
        }
    }

    public static double? Seconds(JsonObject? reference, string name) => reference?[name]?.GetValue<double>();

    /// <summary>PyTorch's time over ours for a case the reference timed.</summary>
    public static double? SpeedUp(JsonObject? reference, BenchmarkCase c) => Seconds(reference, c.Name) is double torch ? torch / c.Seconds : null;

    public JsonObject ToJson(JsonObject? reference)
    {
        var json = new JsonObject { ["threads"] = Threads, ["peak_gflops"] = PeakFlops / 1e9 };
        foreach (var c in Cases)
            json[c.Name] = new JsonObject
            {
                ["seconds"] = c.Seconds,
                ["gflops"] = c.FlopsPerSecond / 1e9,
                ["fraction_of_peak"] = c.FlopsPerSecond / PeakFlops,
                ["speedup_vs_pytorch"] = SpeedUp(reference, c) is double x ? x : null,
            };
        return json;
    }
}
