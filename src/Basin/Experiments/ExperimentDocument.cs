using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Basin.Experiments;

/// <summary>
/// docs/EXPERIMENTS.md, written from experiment.json documents: each experiment's full run (settings, every claim with its
/// measurement, control and verdict, the checks, what it reported besides), then its quick run's verdicts. Generated,
/// never edited, so it cannot go stale: a test regenerates it from the committed full runs and a fresh quick run.
/// </summary>
internal static class ExperimentDocument
{
    public const string Header = """
        # Experiments: what the papers claim, and what Basin measured

        Generated from the experiments' own output, never edited by hand: each section below is rendered from the
        `experiment.json` of a full run (`docs/experiments/NAME.json`, made by `docs/experiments/generate.sh`) and of a
        fresh quick run (the experiment at its small quick sizes), which the test suite repeats and compares with this page.

        Every claim is a statement of the paper that the run could refute. Beside it stands its control: a condition under
        which the paper predicts the opposite or no effect, run alongside. The verdict follows the stated rule: *holds* or
        *fails* when the rule decides, *inconclusive* when it cannot (an interval that contains zero, a minimum that missed
        its stopping criterion). Comparisons are over seeds (5 in the full runs, 2 in the quick ones) with Student-t 95 %
        intervals; checks are identities that hold by construction, reported apart.

        """;

    /// <summary>The page: the header, then each experiment's full (when recorded) and quick sections, in catalog order.</summary>
    public static string Page(IEnumerable<(string Name, JsonObject? Full, JsonObject Quick)> experiments)
    {
        var page = new StringBuilder(Header).Append('\n');
        foreach (var (name, full, quick) in experiments) page.Append(full is null ? NoFullRun(name, quick) : Full(name, full)).Append(Quick(quick));
        return page.ToString();
    }

    /// <summary>An experiment whose full run is not recorded yet: its title, paper and the quick run's settings, said as such.</summary>
    static string NoFullRun(string name, JsonObject quick) =>
        $"## {name}: {quick["title"]}\n\n{quick["paper"]}. `basin experiment {name}`: its full run is not recorded yet (it trains for hours on " +
        "the project machine's 2 cores); only the quick run below is, at sizes too small for the paper's effect.\n\n" +
        "Quick settings: " + string.Join(", ", quick["settings"]!.AsObject().Where(kv => kv.Key != "quick").Select(kv => $"{kv.Key} {Value(kv.Value)}")) + ".\n\n";

    /// <summary>An experiment's full run: title, paper, command, settings, claims, checks and its other lines.</summary>
    public static string Full(string name, JsonObject json)
    {
        var text = new StringBuilder();
        text.Append($"## {name}: {json["title"]}\n\n{json["paper"]}. `basin experiment {name}`, {Seconds(json)} on the project machine (2 cores).\n\n");
        text.Append("Settings: ").AppendJoin(", ", json["settings"]!.AsObject().Where(kv => kv.Key != "quick").Select(kv => $"{kv.Key} {Value(kv.Value)}")).Append(".\n\n");
        Claims(text, json["claims"], "the paper's claim");
        Claims(text, json["checks"], "check");
        foreach (var key in new[] { "summary", "notes" })
            foreach (var line in json[key]?.AsArray() ?? [])
                text.Append($"- {line!.GetValue<string>()}\n");
        return text.Append('\n').ToString();
    }

    /// <summary>The quick run's verdicts, which the test suite checks against a fresh run.</summary>
    public static string Quick(JsonObject json)
    {
        var text = new StringBuilder("Quick run (as the tests run it): ");
        text.AppendJoin("; ", (json["claims"]?.AsArray() ?? []).Concat(json["checks"]?.AsArray() ?? [])
            .Select(c => $"{Verdict(c!)} ({Measured(c!)})"));
        return text.Append(".\n\n").ToString();
    }

    static void Claims(StringBuilder text, JsonNode? claims, string heading)
    {
        if (claims is not JsonArray list || list.Count == 0) return;
        text.Append($"| {heading} | measured | control | verdict |\n|---|---|---|---|\n");
        foreach (var c in list)
        {
            string control = c!["control"] is JsonObject o ? $"{o["condition"]}: {o["outcome"]}" : "";
            string rule = c["rule"]?.GetValue<string>() is { Length: > 0 } r ? $" ({r})" : "";
            text.Append($"| {Cell(c["claim"]!.GetValue<string>())} | {Cell(Measured(c))} | {Cell(control)} | **{Verdict(c)}**{Cell(rule)} |\n");
        }
        text.Append('\n');
    }

    static string Verdict(JsonNode claim) => claim["verdict"]!.GetValue<string>();

    static string Measured(JsonNode claim) => claim["measured"]!.GetValue<string>();

    static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");

    static string Value(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue(out double d) => d.ToString("G6", CultureInfo.InvariantCulture),
        JsonValue v => v.ToString(),
        JsonArray a => string.Join(" ", a.Select(Value)),
        _ => node?.ToJsonString() ?? "null",
    };

    static string Seconds(JsonObject json) =>
        json["seconds"]?.GetValue<double>() is double s ? (s < 120 ? $"{s:F0} s" : $"{s / 60:F1} min") : "time not recorded";
}
