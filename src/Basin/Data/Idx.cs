using System.Buffers.Binary;
using System.IO.Compression;

namespace Basin.Data;

/// <summary>The IDX format of MNIST and Fashion-MNIST (unsigned-byte tensors), gzipped or raw.</summary>
internal static class Idx
{
    /// <summary>
    /// Reads an IDX file (gzipped or raw; a seekable stream) as a stream: the header, then exactly the bytes it promises.
    /// Memory grows with the bytes actually read, never with what a header claims, and gzip is decompressed once, in place.
    /// </summary>
    public static (int[] Dims, byte[] Data) Read(Stream stream, string what)
    {
        const string corrupt = "the file is truncated or corrupt";
        Span<byte> magic = stackalloc byte[2];
        int got = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Seek(-got, SeekOrigin.Current);
        bool gzip = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        using var gz = gzip ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : null;
        Stream source = gz ?? stream;
        try
        {
            var head = new byte[4];
            int headBytes = ReadExactly(source, head);
            if (gzip && headBytes < 4)
                throw new BasinException(what, $"corrupt gzip data (it holds {headBytes} bytes)", "re-download or re-extract the file");
            if (headBytes < 4 || head[0] != 0 || head[1] != 0)
                throw new BasinException(what, "not an IDX file (bad magic number)", "expected MNIST-style files such as train-images-idx3-ubyte.gz");
            if (head[2] != 0x08)
                throw new BasinException(what, $"IDX element type 0x{head[2]:x2} is not unsigned byte (0x08)");
            int rank = head[3];
            var dimBytes = new byte[4 * rank];
            if (rank < 1 || ReadExactly(source, dimBytes) < dimBytes.Length)
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
                throw new BasinException(what, $"the IDX header promises more than {Array.MaxLength} bytes of data", corrupt);
            var data = ReadUpTo(source, (int)count, out long read);
            if (read != count || source.ReadByte() >= 0)
                throw new BasinException(what, $"IDX header promises {count} bytes of data but the file holds {(read != count ? read.ToString() : "more")}", corrupt);
            return (dims, data);
        }
        catch (InvalidDataException e)
        {
            throw new BasinException(what, $"corrupt gzip data ({e.Message})", "re-download or re-extract the file");
        }
    }

    static int ReadExactly(Stream s, byte[] into) => s.ReadAtLeast(into, into.Length, throwOnEndOfStream: false);

    /// <summary>Up to <paramref name="count"/> bytes, in a buffer grown as they arrive (a lying header costs nothing).</summary>
    static byte[] ReadUpTo(Stream s, int count, out long read)
    {
        var data = new byte[Math.Min(count, 1 << 16)];
        int at = 0;
        while (at < count)
        {
            if (at == data.Length) Array.Resize(ref data, (int)Math.Min(count, 2L * data.Length));
            int n = s.Read(data, at, data.Length - at);
            if (n == 0) break;
            at += n;
        }
        read = at;
        return data;
    }

    public static (int[] Dims, byte[] Data) Read(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            return Read(f, path);
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BasinException(path, "file not found");
        }
    }

    /// <summary>Images and labels as a data set; pixels become byte / 255f (a true division).</summary>
    public static DataSet ToDataSet(string name, (int[] Dims, byte[] Data) images, (int[] Dims, byte[] Data) labels, string what)
    {
        if (images.Dims.Length != 3) throw new BasinException(what, $"image file has rank {images.Dims.Length}, expected 3 (n, rows, cols)");
        if (labels.Dims.Length != 1) throw new BasinException(what, $"label file has rank {labels.Dims.Length}, expected 1");
        if (images.Dims[0] != labels.Dims[0])
            throw new BasinException(what, $"{images.Dims[0]} images but {labels.Dims[0]} labels");
        var features = new float[images.Data.Length];
        for (int i = 0; i < features.Length; i++) features[i] = images.Data[i] / 255f;
        var y = new int[labels.Data.Length];
        int classes = 0;
        for (int i = 0; i < y.Length; i++) { y[i] = labels.Data[i]; classes = Math.Max(classes, y[i] + 1); }
        return new DataSet(name, [1, images.Dims[1], images.Dims[2]], features, y, Math.Max(classes, 10));
    }
}
