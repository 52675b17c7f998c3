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

    static readonly string ApiSnapshot = Path.Combine(Source(), "..", "tests", "Basin.Tests", "Fixtures", "public-api.txt");

    /// <summary>Every public type of the library and the reports, one per line, namespaces included.</summary>
    static List<string> PublicTypes() =>
        new[] { typeof(LossLandscape).Assembly, typeof(Basin.Reports.DirectoryReport).Assembly }
            .SelectMany(a => a.GetExportedTypes()).Select(t => t.FullName!).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void The_public_api_is_the_snapshot_and_fits_on_a_page()
    {
        // Growth is a decision: a type made public fails here until the snapshot (BASIN_WRITE_API=1 rewrites it) says so.
        var types = PublicTypes();
        if (Environment.GetEnvironmentVariable("BASIN_WRITE_API") == "1") File.WriteAllLines(ApiSnapshot, types);
        Assert.Equal(File.ReadAllLines(ApiSnapshot), types);
        Assert.InRange(types.Count, 1, 50);
    }

    /// <summary>
    /// The library's rooms in data-flow order and what each may use (docs/ARCHITECTURE.md): a room uses only rooms before
    /// it, and not every one of them. BasinException, at the root, is everyone's; the facade at the root may use them all.
    /// </summary>
    static readonly Dictionary<string, string[]> MayUse = new()
    {
        ["Tensors"] = [],
        ["Engine"] = ["Tensors"],
        ["Data"] = ["Tensors"],
        ["Models"] = ["Tensors", "Engine", "Data"],
        ["Objective"] = ["Tensors", "Engine", "Data"],
        ["Training"] = ["Tensors", "Engine", "Data", "Models", "Objective"],
        ["Landscape"] = ["Tensors", "Engine", "Data", "Models", "Objective", "Training", "Curvature"],
        ["Curvature"] = ["Tensors", "Engine", "Data", "Models", "Objective"],
        ["Trajectories"] = ["Tensors", "Engine", "Data", "Models", "Objective", "Training", "Landscape", "Curvature"],
        ["Connectivity"] = ["Tensors", "Engine", "Data", "Models", "Objective", "Training", "Landscape", "Curvature"],
        ["Experiments"] = ["Tensors", "Engine", "Data", "Models", "Objective", "Training", "Landscape", "Curvature", "Trajectories", "Connectivity"],
        ["Benchmarks"] = ["Tensors", "Engine", "Data", "Models", "Objective", "Training", "Curvature"],
        ["Devices"] = ["Tensors", "Engine", "Data", "Models", "Objective", "Training", "Landscape", "Curvature"],
    };

    [GeneratedRegex(@"//.*|""(?:[^""\\]|\\.)*""")]
    private static partial Regex CommentOrString();

    [Fact]
    public void Each_room_uses_only_the_rooms_before_it_that_it_may()
    {
        var rooms = string.Join("|", MayUse.Keys);
        var reference = new Regex(@"using\s+Basin\.(\w+)\s*;|(?<![\w.])(?:Basin\.)?(" + rooms + @")\.[A-Z]");
        var folders = Directory.EnumerateDirectories(Path.Combine(Source(), "Basin")).Select(Path.GetFileName).Where(d => d is not ("obj" or "bin")).ToList();
        Assert.Equal(MayUse.Keys.Order(), folders.Order());
        var offenders = new List<string>();
        foreach (var room in MayUse.Keys)
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Source(), "Basin", room), "*.cs", SearchOption.AllDirectories))
        {
            string code = CommentOrString().Replace(File.ReadAllText(file), "");
            foreach (Match m in reference.Matches(code))
            {
                string used = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
                if (used != room && !MayUse[room].Contains(used)) offenders.Add($"{room}/{Path.GetFileName(file)} uses {used} ({m.Value})");
            }
        }
        Assert.Empty(offenders);
    }
}
