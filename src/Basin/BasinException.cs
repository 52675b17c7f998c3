using System.Text.RegularExpressions;

namespace Basin;

/// <summary>
/// A problem with the user's input (file, option, shape, spec) rather than a bug. Its texts name parameters in braces,
/// <c>{lr}</c>, <c>{data-dir}</c>: <see cref="Exception.Message"/> shows the bare names, and a front end renders them in
/// its own terms (the command line as flags, printing one line <c>error: What: Why</c> plus the hint, exit code 2).
/// </summary>
public sealed partial class BasinException(string what, string why, string? hint = null) : Exception(Plain($"{what}: {why}"))
{
    public string What { get; } = what;
    public string Why { get; } = why;
    public string? Hint { get; } = hint;

    [GeneratedRegex(@"\{([a-z][a-z0-9-]*)\}")]
    private static partial Regex Parameter();

    /// <summary>A text with each <c>{name}</c> replaced by <paramref name="render"/>(name).</summary>
    public static string Render(string text, Func<string, string> render) => Parameter().Replace(text, m => render(m.Groups[1].Value));

    static string Plain(string text) => Render(text, name => name);
}
