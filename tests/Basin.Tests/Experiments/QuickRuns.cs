using System.Collections.Concurrent;
using Basin.Experiments;

namespace Basin.Tests.Experiments;

/// <summary>Each experiment's quick run, made once per test run and shared by the tests that read it.</summary>
internal static class QuickRuns
{
    static readonly ConcurrentDictionary<string, Lazy<(string Directory, ExperimentResult Result)>> Runs = new();

    static (string Directory, ExperimentResult Result) Run(string name) => Runs.GetOrAdd(name, n => new(() =>
    {
        string directory = TestPaths.NewDirectory(n);
        return (directory, Experiment.Find(n).Run(directory, quick: true));
    })).Value;

    public static ExperimentResult Of(string name) => Run(name).Result;

    /// <summary>Where its runs were trained.</summary>
    public static string Directory(string name) => Run(name).Directory;
}
