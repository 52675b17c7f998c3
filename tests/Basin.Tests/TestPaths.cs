namespace Basin.Tests;

/// <summary>One temporary folder per test run, removed when the test process exits.</summary>
internal static class TestPaths
{
    public static readonly string Root = CreateRoot();

    static string CreateRoot()
    {
        string root = Path.Combine(Path.GetTempPath(), $"basin-tests-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, true); }
            catch (IOException) { }
        };
        return root;
    }

    /// <summary>A new empty folder under the run's root.</summary>
    public static string NewDirectory(string prefix)
    {
        string d = Path.Combine(Root, $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(d);
        return d;
    }
}
