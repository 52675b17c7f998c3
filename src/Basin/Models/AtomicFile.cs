using System.Globalization;

namespace Basin.Models;

/// <summary>
/// Writes a file under a temporary name in the same folder and renames it: readers never see half a file. A process
/// killed while writing leaves its temporary behind (<c>.NAME.PID.tmp</c>); later writers remove those whose process
/// is gone.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write, bool overwrite = true)
    {
        if (!overwrite && File.Exists(path))
            throw new BasinException(path, "already exists", "pass {force} to overwrite it");
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        RemoveStale(dir, Path.GetFileName(full));
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var f = new FileStream(tmp, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
            {
                write(f);
                f.Flush(true);
            }
            File.Move(tmp, full, true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>
    /// Deletes the temporaries in <paramref name="dir"/> (of one target <paramref name="name"/>, or all) whose writing
    /// process no longer runs.
    /// </summary>
    public static void RemoveStale(string dir, string? name = null)
    {
        if (!Directory.Exists(dir)) return;
        foreach (var file in Directory.EnumerateFiles(dir, name is null ? ".*.tmp" : $".{name}.*.tmp"))
        {
            string stem = Path.GetFileNameWithoutExtension(file);
            if (!int.TryParse(Path.GetExtension(stem).TrimStart('.'), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            if (pid == Environment.ProcessId || IsRunning(pid)) continue;
            try { File.Delete(file); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    static bool IsRunning(int pid)
    {
        if (Directory.Exists("/proc/self")) return Directory.Exists($"/proc/{pid}");
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
    }
}
