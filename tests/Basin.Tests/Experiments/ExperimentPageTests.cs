using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Basin.Experiments;

namespace Basin.Tests.Experiments;

/// <summary>
/// docs/EXPERIMENTS.md is the rendering of the committed full runs (docs/experiments/NAME.json) and of fresh quick runs:
/// a hand edit, a stale full run or a quick run that now gives other numbers fails here. BASIN_WRITE_EXPERIMENTS=1 writes
/// the page instead (docs/experiments/generate.sh does, after the full runs).
/// </summary>
public class ExperimentPageTests
{
    static string Docs([CallerFilePath] string self = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(self)!, "..", "..", "..", "docs"));

    [Fact]
    public void The_experiments_page_is_the_full_runs_and_a_fresh_quick_run_rendered()
    {
        var page = ExperimentDocument.Page(Experiment.All.Select(e =>
            (e.Name, Path.Combine(Docs(), "experiments", e.Name + ".json") is var full && File.Exists(full) ? JsonNode.Parse(File.ReadAllText(full))!.AsObject() : null,
                QuickRuns.Of(e.Name).Json)));
        string path = Path.Combine(Docs(), "EXPERIMENTS.md");
        if (Environment.GetEnvironmentVariable("BASIN_WRITE_EXPERIMENTS") == "1") File.WriteAllText(path, page);
        Assert.Equal(File.ReadAllText(path), page);
    }
}
