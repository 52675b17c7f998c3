using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace Basin.Data;

/// <summary>
/// A file's bytes mapped read-only into memory: pages are read when first touched (a load of the first n records reads
/// only theirs) and are the operating system's page cache, not a copy. It stays mapped until the process ends: a span of it may be in use anywhere, so no finalizer unmaps it.
/// </summary>
internal sealed unsafe class MappedFile : MemoryManager<byte>
{
    readonly MemoryMappedFile file;
    readonly MemoryMappedViewAccessor view;
    readonly byte* pointer;
    readonly int length;

    MappedFile(MemoryMappedFile file, MemoryMappedViewAccessor view, int length)
    {
        this.file = file;
        this.view = view;
        this.length = length;
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        pointer = p + view.PointerOffset;
    }

    /// <summary>The whole file, mapped; an empty file maps to no bytes.</summary>
    public static ReadOnlyMemory<byte> Open(string path)
    {
        long size = new FileInfo(path).Length;
        if (size == 0) return ReadOnlyMemory<byte>.Empty;
        if (size > int.MaxValue) throw new BasinException(path, $"the file has {size:N0} bytes; files over 2 GiB are not supported");
        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = file.CreateViewAccessor(0, size, MemoryMappedFileAccess.Read);
        return new MappedFile(file, view, (int)size).Memory;
    }

    public override Span<byte> GetSpan() => new(pointer, length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

    public override void Unpin() { }

    protected override void Dispose(bool disposing)
    {
        view.SafeMemoryMappedViewHandle.ReleasePointer();
        view.Dispose();
        file.Dispose();
    }
}
