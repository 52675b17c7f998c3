namespace Basin.Models;

/// <summary>
/// Recursive-descent parser of the model spec grammar (README "Model specs"):
/// <code>
/// sequence := item (',' item)*
/// item     := [name ':'] ( '[' sequence ']' | 'residual(' sequence [',shortcut=' branch] [',after=' branch] ')' | layer )
/// branch   := '[' [sequence] ']' | item
/// layer    := kind [ '(' arg (',' arg)* ')' ]      arg := value | key '=' value
/// </code>
/// Names are letters, digits, '_' and '.' (a dotted name is a path: <c>layer1.0:residual(...)</c>). Every error names
/// the position (1-based) it was found at.
/// </summary>
internal sealed class SpecParser
{
    readonly string s;
    int i;

    SpecParser(string spec) => s = spec;

    public static IReadOnlyList<ModuleSpec> Parse(string spec)
    {
        var parser = new SpecParser(spec);
        if (spec.Trim().Length == 0) throw parser.Fail(0, "the spec is empty");
        var items = parser.Sequence(end: null);
        parser.SkipSpace();
        if (parser.i < spec.Length) throw parser.Fail(parser.i, $"expected ',' between layers, found {parser.Found(parser.i)}");
        return items;
    }

    BasinException Fail(int at, string why) => new("model spec", $"at position {at + 1}: {why}", ModelSpec.Grammar);
    string Found(int at) => at >= s.Length ? "end of spec" : $"'{s[at]}'";
    void SkipSpace() { while (i < s.Length && char.IsWhiteSpace(s[i])) i++; }
    bool At(char c) { SkipSpace(); return i < s.Length && s[i] == c; }

    string Word(bool dotted)
    {
        SkipSpace();
        int start = i;
        while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] == '_' || (dotted && s[i] == '.'))) i++;
        return s[start..i];
    }

    /// <summary>Items up to <paramref name="end"/> (not consumed), or to the end of the spec; stops early at a top-level option.</summary>
    List<ModuleSpec> Sequence(char? end, bool options = false)
    {
        var items = new List<ModuleSpec>();
        while (true)
        {
            SkipSpace();
            if (options && IsOption()) return items;
            items.Add(Item());
            SkipSpace();
            if (i >= s.Length || (end is { } e && s[i] == e)) return items;
            if (s[i] != ',') throw Fail(i, $"expected ',' between layers, found {Found(i)}");
            i++;
        }
    }

    /// <summary>Whether the next words are <c>shortcut=</c> or <c>after=</c> (a residual's options).</summary>
    bool IsOption()
    {
        int save = i;
        string word = Word(dotted: false).ToLowerInvariant();
        bool option = (word is "shortcut" or "after") && At('=');
        i = save;
        return option;
    }

    ModuleSpec Item()
    {
        SkipSpace();
        int start = i;
        string word = Word(dotted: true);
        string? name = null;
        if (word.Length > 0 && At(':'))
        {
            if (word.StartsWith('.') || word.EndsWith('.') || word.Contains("..")) throw Fail(start, $"'{word}' is not a module name");
            name = word;
            i++;
            SkipSpace();
            start = i;
            word = Word(dotted: false);
        }
        if (word.Length == 0 && At('['))
        {
            i++;
            var items = At(']') ? [] : Sequence(']');
            if (!At(']')) throw Fail(i, $"expected ']' to close the sequence opened at position {start + 1}, found {Found(i)}");
            i++;
            if (items.Count == 0) throw Fail(start, "an empty sequence [] is only allowed as a residual's shortcut (the identity)");
            return new SequenceSpec(items, start + 1) { Name = name };
        }
        if (word.Length == 0) throw Fail(i, $"expected a layer name, found {Found(i)}");
        if (word.Contains('.')) throw Fail(start, $"'{word}' is not a layer; a dotted word is a module name and needs ':' after it");
        string kind = word.ToLowerInvariant();
        if (kind == "residual") return Residual(start, name);
        if (!ModelSpec.Known.Contains(kind)) throw Fail(start, $"unknown layer '{word}'");
        return Layer(kind, start, name);
    }

    LayerSpec Layer(string kind, int start, string? name)
    {
        var args = new List<string>();
        var named = new Dictionary<string, string>();
        if (At('('))
        {
            i++;
            while (true)
            {
                SkipSpace();
                int a = i;
                while (i < s.Length && s[i] is not (',' or ')' or '(' or '[' or ']')) i++;
                if (i >= s.Length) throw Fail(i, $"expected ')' to close {kind}(, found end of spec");
                if (s[i] is '(' or '[' or ']') throw Fail(i, $"expected ',' or ')' in the arguments of {kind}, found '{s[i]}'");
                string arg = s[a..i].Trim();
                if (arg.Length == 0) throw Fail(a, $"expected an argument of {kind}, found {Found(i)}");
                int eq = arg.IndexOf('=');
                if (eq >= 0) named[arg[..eq].Trim().ToLowerInvariant()] = arg[(eq + 1)..].Trim();
                else if (named.Count > 0) throw Fail(a, $"positional argument '{arg}' after a named one in {kind}");
                else args.Add(arg);
                if (s[i] == ')') { i++; break; }
                i++;
            }
        }
        return new LayerSpec(kind, args, named, start + 1) { Name = name };
    }

    ResidualSpec Residual(int start, string? name)
    {
        if (!At('(')) throw Fail(i, $"expected '(' after residual, found {Found(i)}");
        i++;
        var main = Sequence(')', options: true);
        IReadOnlyList<ModuleSpec> shortcut = [], after = [];
        bool hasShortcut = false, hasAfter = false;
        while (!At(')'))
        {
            int at = i;
            string option = Word(dotted: false).ToLowerInvariant();
            if (!At('=')) throw Fail(at, $"expected ')' to close residual( at position {start + 1}, found {Found(at)}");
            i++;
            if (option == "shortcut" && !hasShortcut) { shortcut = Branch(); hasShortcut = true; }
            else if (option == "after" && !hasAfter) { after = Branch(); hasAfter = true; }
            else throw Fail(at, $"residual's option '{option}' is repeated");
            if (At(',')) i++;
            else if (!At(')')) throw Fail(i, $"expected ',' or ')' in residual, found {Found(i)}");
        }
        i++;
        return new ResidualSpec(main, shortcut, after, start + 1) { Name = name };
    }

    /// <summary>A residual's shortcut or after: a bracketed sequence (empty: none) or one item.</summary>
    IReadOnlyList<ModuleSpec> Branch()
    {
        if (!At('[')) return [Item()];
        int start = i++;
        var items = At(']') ? [] : Sequence(']');
        if (!At(']')) throw Fail(i, $"expected ']' to close the branch opened at position {start + 1}, found {Found(i)}");
        i++;
        return items;
    }
}
