using System.Buffers.Binary;
using System.IO.Compression;

namespace Basin.Data;

/// <summary>The IDX format of MNIST and Fashion-MNIST (unsigned-byte tensors), gzipped or raw.</summary>
public static class Idx
{
    /// <summary>Reads a whole IDX file; returns its dimensions and bytes.</summary>
    public static (int[] Dims, byte[] Data) Read(Stream stream, string what)
    {
        byte[] all;
        using (var ms = new MemoryStream())
        {
            var head = new byte[2];
            int got = stream.Read(head, 0, 2);
            ms.Write(head, 0, got);
            stream.CopyTo(ms);
            all = ms.ToArray();
        }
        if (all.Length >= 2 && all[0] == 0x1f && all[1] == 0x8b)
        {
            try
            {
                using var gz = new GZipStream(new MemoryStream(all), CompressionMode.Decompress);
                using var ms = new MemoryStream();
                gz.CopyTo(ms);
                all = ms.ToArray();
                if (all.Length == 0) throw new InvalidDataException("no data in the gzip stream");
            }
            catch (InvalidDataException e)
            {
                throw new BasinException(what, $"corrupt gzip data ({e.Message})", "re-download or re-extract the file");
            }
        }
        if (all.Length < 4 || all[0] != 0 || all[1] != 0)
            throw new BasinException(what, "not an IDX file (bad magic number)", "expected MNIST-style files such as train-images-idx3-ubyte.gz");
        if (all[2] != 0x08)
            throw new BasinException(what, $"IDX element type 0x{all[2]:x2} is not unsigned byte (0x08)");
        int rank = all[3];
        if (rank < 1 || all.Length < 4 + 4 * rank)
            throw new BasinException(what, "truncated IDX header");
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(all.AsSpan(4 + 4 * i));
            if (dims[i] < 0) throw new BasinException(what, $"negative IDX dimension {dims[i]}");
            count *= dims[i];
        }
        int offset = 4 + 4 * rank;
        if (all.Length - offset != count)
            throw new BasinException(what, $"IDX header promises {count} bytes of data but the file holds {all.Length - offset}",
                "the file is truncated or corrupt");
        return (dims, all[offset..]);
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
