namespace Basin.Models;

/// <summary>
/// Checks where a command will write before it computes or writes anything, so a bad path costs nothing: a file must
/// not be a directory and its folder must exist and take new files; a directory must not be a file and the nearest
/// folder above it that exists must take new entries.
/// </summary>
internal static class OutputPath
{
    /// <summary>A file the command will write (<paramref name="option"/> names where the path came from).</summary>
    public static void RequireFile(string path, string option)
    {
        if (Directory.Exists(path))
            throw new BasinException(option, $"{path} is a directory", "name a file to write, e.g. " + Path.Combine(path, "out"));
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(dir))
            throw new BasinException(option, $"the folder {dir} does not exist", "create it first, or write somewhere else");
        RequireWritable(dir, option);
    }

    /// <summary>A directory the command will create (with its missing parents) or write into.</summary>
    public static void RequireDirectory(string path, string option)
    {
        if (File.Exists(path)) throw new BasinException(option, $"{path} is a file, not a directory", "name a directory");
        string? existing = Path.GetFullPath(path);
        while (existing is not null && !Directory.Exists(existing))
        {
            if (File.Exists(existing)) throw new BasinException(option, $"{existing} is a file, so {path} cannot be made", "name another directory");
            existing = Path.GetDirectoryName(existing);
        }
        if (existing is not null) RequireWritable(existing, option);
    }

    /// <summary>Creates and deletes a probe file: the only test that sees permissions, read-only mounts and quotas alike.</summary>
    static void RequireWritable(string dir, string option)
    {
        string probe = Path.Combine(dir, $".basin-probe.{Environment.ProcessId}.tmp");
        try
        {
            using (new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new BasinException(option, $"cannot write in {dir} ({e.Message})", "choose a folder you can write to");
        }
    }
}
