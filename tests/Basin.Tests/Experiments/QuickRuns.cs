using System.Collections.Concurrent;
using Basin.Experiments;

namespace Basin.Tests.Experiments;

/// <summary>Each experiment's quick run, made once per test run and shared by the tests that read it.</summary>
internal static class QuickRuns
{
    static readonly ConcurrentDictionary<string, Lazy<ExperimentResult>> Runs = new();

    public static ExperimentResult Of(string name) =>
        Runs.GetOrAdd(name, n => new Lazy<ExperimentResult>(() => Experiment.Find(n).Run(TestPaths.NewDirectory(n), quick: true))).Value;
}
