using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Basin.Data;

/// <summary>
/// SHA-256 of the bytes a result was computed from (weights, directions, data, an initialization file): stored results
/// are reused only when these match, whatever path or name the inputs were given by.
/// </summary>
internal static class ContentHash
{
    /// <summary>The hash of values' bytes as they lie in memory (little-endian), as lowercase hex.</summary>
    public static string Of<T>(ReadOnlySpan<T> values) where T : unmanaged =>
        Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(values)));

    /// <summary>The hash of a file's bytes, read as a stream.</summary>
    public static string OfFile(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(f));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BasinException(path, "file not found");
        }
    }

    /// <summary>Adds values' bytes to an incremental hash, led by their count so that adjacent arrays cannot run together.</summary>
    internal static void Append<T>(IncrementalHash hash, ReadOnlySpan<T> values) where T : unmanaged
    {
        AppendLength(hash, values.Length);
        hash.AppendData(MemoryMarshal.AsBytes(values));
    }

    /// <summary>The count that leads an array's values (then added by the caller, in pieces if it likes).</summary>
    internal static void AppendLength(IncrementalHash hash, long count)
    {
        Span<byte> length = stackalloc byte[8];
        BitConverter.TryWriteBytes(length, count);
        hash.AppendData(length);
    }
}
