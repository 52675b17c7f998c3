using System.Globalization;

namespace Basin.Tensors;

/// <summary>
/// Sizes big buffers before they are allocated: a job whose estimate exceeds the memory this process can still get is
/// refused with the estimate, instead of growing until the kernel kills it.
/// </summary>
internal static class MemoryBudget
{
    /// <summary>
    /// Bytes this process can still allocate: MemAvailable from /proc/meminfo (bounded by a container's limit), plus what
    /// the managed heap already holds free; the runtime's own figure where /proc is missing.
    /// </summary>
    public static long Available()
    {
        long limit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long used = GC.GetTotalMemory(false);
        long free = Math.Max(0, limit - used);
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line.AsSpan(13).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                    return Math.Min(free, kb * 1024);
                }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return free;
    }

    /// <summary>Refuses a job of <paramref name="bytes"/> (an estimate) that cannot fit.</summary>
    public static void Require(double bytes, string what, string hint)
    {
        long available = Available();
        if (bytes <= available) return;
        throw new BasinException(what, $"needs about {Format(bytes)} of memory but {Format(available)} is available", hint);
    }

    public static string Format(double bytes) => bytes switch
    {
        >= 1e15 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e12:N0} TB"),
        >= 1e12 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e12:G3} TB"),
        >= 1e9 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:G3} GB"),
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:G3} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:G3} kB"),
    };
}
