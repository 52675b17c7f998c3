using System.Globalization;

namespace Basin.Models;

/// <summary>One parsed module of a model spec: where it starts (1-based) and the name the spec gave it, if any.</summary>
internal abstract record ModuleSpec(int Position)
{
    public string? Name { get; init; }
}

/// <summary>A nested sequence <c>[a, b, c]</c>: its children are named under its name, by index unless named.</summary>
internal sealed record SequenceSpec(IReadOnlyList<ModuleSpec> Items, int Position) : ModuleSpec(Position);

/// <summary>A residual block: main branch, shortcut branch (empty: the identity) and the layers after their sum.</summary>
internal sealed record ResidualSpec(IReadOnlyList<ModuleSpec> Main, IReadOnlyList<ModuleSpec> Shortcut, IReadOnlyList<ModuleSpec> After, int Position)
    : ModuleSpec(Position);

/// <summary>One parsed layer of a model spec: its kind, positional and named arguments, and where it starts.</summary>
internal sealed record LayerSpec(string Kind, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Named, int Position) : ModuleSpec(Position)
{
    public override string ToString()
    {
        var all = Args.Concat(Named.Select(kv => $"{kv.Key}={kv.Value}")).ToList();
        return all.Count == 0 ? Kind : $"{Kind}({string.Join(",", all)})";
    }

    internal BasinException Error(string why) =>
        new("model spec", $"{Kind} at position {Position}: {why}", ModelSpec.Grammar);

    internal int Int(int index, string name, int? fallback = null)
    {
        string? text = index < Args.Count ? Args[index] : Named.GetValueOrDefault(name);
        if (text is null)
            return fallback ?? throw Error($"expected argument {index + 1} ({name})");
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 0)
            throw Error($"expected a non-negative integer for {name}, found '{text}'");
        return v;
    }

    internal double Number(int index)
    {
        if (!double.TryParse(Args[index], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            throw Error($"expected a number for argument {index + 1}, found '{Args[index]}'");
        return v;
    }

    internal double Real(string name, double fallback)
    {
        if (!Named.TryGetValue(name, out var text)) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw Error($"expected a number for {name}, found '{text}'");
        return v;
    }

    internal bool Flag(string name, bool fallback)
    {
        if (!Named.TryGetValue(name, out var text)) return fallback;
        return text.ToLowerInvariant() switch
        {
            "true" or "1" => true,
            "false" or "0" => false,
            _ => throw Error($"expected true or false for {name}, found '{text}'"),
        };
    }

    internal void Expect(int maxPositional, params string[] names)
    {
        if (Args.Count > maxPositional) throw Error($"takes at most {maxPositional} positional argument(s), found {Args.Count}");
        foreach (var key in Named.Keys)
            if (!names.Contains(key)) throw Error($"unknown option '{key}'" + (names.Length > 0 ? $" (expected {string.Join(", ", names)})" : ""));
    }
}
