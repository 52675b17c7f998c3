using System.Buffers.Binary;
using System.IO.Compression;

namespace Basin.Data;

/// <summary>The IDX format of MNIST and Fashion-MNIST (unsigned-byte tensors), gzipped or raw.</summary>
internal static class Idx
{
    const string Corrupt = "the file is truncated or corrupt";

    /// <summary>
    /// Reads an IDX stream (gzipped or raw; seekable) up to its first <paramref name="records"/> records (all when null):
    /// the header, then only the bytes those records take, decompressed once into their final buffer. Memory grows with
    /// the bytes actually read, never with what a header claims. <c>Dims</c> is the header's, <c>Data</c> the records read.
    /// </summary>
    /// <param name="progress">Told the fraction of the records read so far, as they arrive.</param>
    public static (int[] Dims, ReadOnlyMemory<byte> Data) Read(Stream stream, string what, int? records = null, Action<double>? progress = null)
    {
        bool gzip = IsGzip(stream);
        long hint = gzip ? UncompressedSize(stream) : stream.Length - stream.Position;
        using var gz = gzip ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : null;
        Stream source = gz ?? stream;
        try
        {
            var (dims, recordSize, headerLength) = Header(source, what, gzip);
            int take = Take(dims, records);
            long count = (long)take * recordSize;
            if (count > Array.MaxLength)
                throw new BasinException(what, $"the IDX header promises more than {Array.MaxLength} bytes of data", Corrupt);
            var data = ReadUpTo(source, (int)count, hint - headerLength, out int read, progress);
            if (read != count || (take == dims[0] && source.ReadByte() >= 0))
                throw Mismatch(what, dims, recordSize, read != count ? read : -1);
            return (dims, data.AsMemory(0, read));
        }
        catch (InvalidDataException e)
        {
            throw new BasinException(what, $"corrupt gzip data ({e.Message})", "re-download or re-extract the file");
        }
    }

    /// <summary>
    /// An IDX file up to its first <paramref name="records"/> records: a gzipped one decompressed as a stream that stops
    /// after them, a raw one mapped into memory (its pages read when first used).
    /// </summary>
    public static (int[] Dims, ReadOnlyMemory<byte> Data) Read(string path, int? records = null, Action<double>? progress = null)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            if (IsGzip(f)) return Read(f, path, records, progress);
            var (dims, recordSize, headerLength) = Header(f, path, gzip: false);
            int take = Take(dims, records);
            long count = (long)take * recordSize, available = f.Length - headerLength;
            if (available < count || (take == dims[0] && available > count))
                throw Mismatch(path, dims, recordSize, available < count ? available : -1);
            return (dims, count == 0 ? ReadOnlyMemory<byte>.Empty : MappedFile.Open(path).Slice(headerLength, (int)count));
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BasinException(path, "file not found");
        }
    }

    static int Take(int[] dims, int? records) => records is { } r ? Math.Min(r, dims[0]) : dims[0];

    static BasinException Mismatch(string what, int[] dims, long recordSize, long held) =>
        new(what, $"IDX header promises {(long)dims[0] * recordSize} bytes of data but the file holds {(held >= 0 ? held.ToString() : "more")}", Corrupt);

    static bool IsGzip(Stream stream)
    {
        Span<byte> magic = stackalloc byte[2];
        int got = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Seek(-got, SeekOrigin.Current);
        return got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    /// <summary>
    /// The size gzip's trailer records (modulo 2^32), the buffer to expect: trusted no further than deflate's largest
    /// ratio (1032:1) allows for the compressed bytes, and checked against what arrives.
    /// </summary>
    static long UncompressedSize(Stream stream)
    {
        long at = stream.Position, compressed = stream.Length - at;
        if (compressed < 18) return 0;
        Span<byte> size = stackalloc byte[4];
        stream.Seek(-4, SeekOrigin.End);
        stream.ReadExactly(size);
        stream.Seek(at, SeekOrigin.Begin);
        return Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(size), 1032 * compressed);
    }

    /// <summary>The dimensions, the bytes of one record (the product of all but the first) and the header's length.</summary>
    static (int[] Dims, int RecordSize, int HeaderLength) Header(Stream source, string what, bool gzip)
    {
        var head = new byte[4];
        int headBytes = source.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        if (gzip && headBytes < 4)
            throw new BasinException(what, $"corrupt gzip data (it holds {headBytes} bytes)", "re-download or re-extract the file");
        if (headBytes < 4 || head[0] != 0 || head[1] != 0)
            throw new BasinException(what, "not an IDX file (bad magic number)", "expected MNIST-style files such as train-images-idx3-ubyte.gz");
        if (head[2] != 0x08)
            throw new BasinException(what, $"IDX element type 0x{head[2]:x2} is not unsigned byte (0x08)");
        int rank = head[3];
        var dimBytes = new byte[4 * rank];
        if (rank < 1 || source.ReadAtLeast(dimBytes, dimBytes.Length, throwOnEndOfStream: false) < dimBytes.Length)
            throw new BasinException(what, "truncated IDX header");
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * i));
            if (dims[i] < 0) throw new BasinException(what, $"negative IDX dimension {dims[i]}");
            count = Math.Min(count * dims[i], Array.MaxLength + 1L);
        }
        if (count > Array.MaxLength)
            throw new BasinException(what, $"the IDX header promises more than {Array.MaxLength} bytes of data", Corrupt);
        long recordSize = 1;
        for (int i = 1; i < rank; i++) recordSize *= dims[i];
        return (dims, (int)recordSize, 4 + 4 * rank);
    }

    /// <summary>
    /// Up to <paramref name="count"/> bytes into one buffer: of the expected size when the stream says what it holds
    /// (gzip's trailer), else grown as they arrive (a lying header costs nothing).
    /// </summary>
    static byte[] ReadUpTo(Stream s, int count, long expected, out int read, Action<double>? progress)
    {
        var data = GC.AllocateUninitializedArray<byte>((int)Math.Min(count, Math.Max(1 << 16, expected)));
        int at = 0;
        while (at < count)
        {
            if (at == data.Length) Array.Resize(ref data, (int)Math.Min(count, 2L * data.Length));
            int n = s.Read(data, at, Math.Min(data.Length - at, 1 << 20));
            if (n == 0) break;
            at += n;
            progress?.Invoke((double)at / count);
        }
        read = at;
        return data;
    }

    /// <summary>Images and labels (as many as were read) as a data set of bytes, each pixel read as byte / 255f.</summary>
    public static DataSet ToDataSet(string name, (int[] Dims, ReadOnlyMemory<byte> Data) images, (int[] Dims, ReadOnlyMemory<byte> Data) labels, string what)
    {
        if (images.Dims.Length != 3) throw new BasinException(what, $"image file has rank {images.Dims.Length}, expected 3 (n, rows, cols)");
        if (labels.Dims.Length != 1) throw new BasinException(what, $"label file has rank {labels.Dims.Length}, expected 1");
        if (images.Dims[0] != labels.Dims[0])
            throw new BasinException(what, $"{images.Dims[0]} images but {labels.Dims[0]} labels");
        int size = DataSet.SizeOf(what, [images.Dims[1], images.Dims[2]]);
        var y = new int[labels.Data.Length];
        var bytes = labels.Data.Span;
        int classes = 0;
        for (int i = 0; i < y.Length; i++) { y[i] = bytes[i]; classes = Math.Max(classes, y[i] + 1); }
        return new DataSet(name, [1, images.Dims[1], images.Dims[2]], new ByteFeatures([images.Data], size, 0, size), y, Math.Max(classes, 10));
    }
}
