using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Basin.Tests;

/// <summary>Rules of the architecture (docs/ARCHITECTURE.md) that a reader would otherwise check by eye.</summary>
public partial class ArchitectureTests
{
    static string Source([CallerFilePath] string self = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(self)!, "..", "..", "src"));

    static IEnumerable<string> Files(string project) =>
        Directory.EnumerateFiles(Path.Combine(Source(), project), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));

    [GeneratedRegex("(?<![\\w-])--[a-z]")]
    private static partial Regex Flag();

    [Fact]
    public void The_library_names_parameters_and_never_the_command_lines_flags()
    {
        // The command line maps a parameter {name} to its flag; the library is used without one.
        var offenders = Files("Basin").SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => Flag().IsMatch(x.line)).Select(x => $"{Path.GetFileName(x.f)}:{x.i + 1}: {x.line.Trim()}").ToList();
        Assert.Empty(offenders);
    }
}
