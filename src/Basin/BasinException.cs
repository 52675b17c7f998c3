namespace Basin;

/// <summary>
/// A problem with the user's input (file, option, shape, spec) rather than a bug: the command line prints
/// it as one line <c>error: What: Why</c> plus the hint, and exits with code 2.
/// </summary>
public sealed class BasinException(string what, string why, string? hint = null) : Exception($"{what}: {why}")
{
    public string What { get; } = what;
    public string Why { get; } = why;
    public string? Hint { get; } = hint;
}
