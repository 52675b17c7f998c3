namespace Basin.Models;

/// <summary>Writes a file under a temporary name in the same folder and renames it: readers never see half a file.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write, bool overwrite = true)
    {
        if (!overwrite && File.Exists(path))
            throw new BasinException(path, "already exists", "pass --force to overwrite it");
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (dir is not null) Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir ?? ".", $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
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
}
