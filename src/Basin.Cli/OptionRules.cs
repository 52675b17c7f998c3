using System.CommandLine.Parsing;
using System.Globalization;

namespace Basin.Cli;

/// <summary>
/// Checks every option of every command as it is parsed, before any command runs: real numbers must be finite, and
/// counts must reach their least meaningful value (a negative --threads, a zero --flush-every).
/// </summary>
internal static class OptionRules
{
    // The least value each count option accepts, wherever it appears; options not named here take any integer their
    // command checks itself.
    static readonly Dictionary<string, long> Minimum = new()
    {
        ["--threads"] = 0, ["--top"] = 0, ["--bottom"] = 0, ["--power"] = 0, ["--hutchpp"] = 0, ["--warmup"] = 0,
        ["--save-every"] = 0, ["--save-every-steps"] = 0, ["--log-every"] = 0,
        ["--n"] = 1, ["--test-n"] = 1, ["--batch"] = 1, ["--shard"] = 1, ["--epochs"] = 1, ["--steps"] = 1, ["--seeds"] = 1,
        ["--probes"] = 1, ["--runs"] = 1, ["--density-steps"] = 1, ["--lanczos-steps"] = 1, ["--power-iterations"] = 1,
        ["--flush-every"] = 1, ["--repeat"] = 1, ["--pairs"] = 1, ["--disagreement-batch"] = 1, ["--bends"] = 1, ["--images"] = 1,
        ["--iterations"] = 1, ["--cycles"] = 1, ["--points"] = 2, ["--grid"] = 2, ["--depth"] = 1, ["--width"] = 1,
        ["--inputs"] = 1, ["--degree"] = 1, ["--silo-port"] = 0, ["--gateway-port"] = 0,
    };

    // Real-valued options that must be above zero, not merely finite.
    static readonly HashSet<string> Positive = ["--flush-seconds", "--sigma"];

    /// <summary>Adds the checks to every option under <paramref name="command"/>.</summary>
    public static void Apply(Command command)
    {
        foreach (var option in command.Options)
        {
            var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
            if (type == typeof(double)) option.Validators.Add(CheckReal);
            else if ((type == typeof(int) || type == typeof(long)) && Minimum.TryGetValue(option.Name, out long least))
                option.Validators.Add(r => CheckCount(r, least));
        }
        foreach (var sub in command.Subcommands) Apply(sub);
    }

    static void CheckReal(OptionResult r)
    {
        if (r.Tokens.Count == 0) return;
        string text = r.Tokens[^1].Value, name = r.Option.Name;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return;
        if (!double.IsFinite(v)) r.AddError($"{name}: {text} is not a finite number");
        else if (Positive.Contains(name) && v <= 0) r.AddError($"{name}: {text} is not above 0");
    }

    static void CheckCount(OptionResult r, long least)
    {
        if (r.Tokens.Count == 0) return;
        string text = r.Tokens[^1].Value;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) && v < least)
            r.AddError($"{r.Option.Name}: {text} is not {least} or more" + (r.Option.Name == "--threads" ? " (0 means every core)" : ""));
    }
}
