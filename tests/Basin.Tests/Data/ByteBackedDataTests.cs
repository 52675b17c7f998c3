using System.IO.Compression;
using Basin.Data;
using Basin.Models;
using Basin.Objective;
using Basin.Tensors;

namespace Basin.Tests.Data;

/// <summary>
/// Data sets keep their file's bytes and convert a shard when a pass reads it: every number must equal what the float32
/// copies they replace gave (byte / 255f, then CIFAR-10's (x - mean) / std, each a float32 operation), and a load reads
/// only the records it keeps.
/// </summary>
public class ByteBackedDataTests
{
    /// <summary>Images with a blank background (about 60 % zero bytes), as the sparse first layer meets them.</summary>
    static byte[] Pixels(int count, ulong seed)
    {
        var rng = new Rng(seed, 1);
        var b = new byte[count];
        for (int i = 0; i < b.Length; i++) b[i] = rng.NextDouble() < 0.6 ? (byte)0 : (byte)rng.NextInt(256);
        return b;
    }

    /// <summary>The float32 values the loaders used to build: byte / 255f, then per channel (x - mean) / std.</summary>
    static float[] AsFloats(byte[] pixels, int plane, double[]? mean = null, double[]? std = null)
    {
        var x = new float[pixels.Length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = pixels[i] / 255f;
            if (mean is null) continue;
            int c = i / plane % mean.Length;
            x[i] = (x[i] - (float)(mean[c] / 255)) / (float)(std![c] / 255);
        }
        return x;
    }

    static readonly double[] CifarMean = [125.3, 123.0, 113.9], CifarStd = [63.0, 62.1, 66.7];

    public static TheoryData<string, int, int, bool> Cases => new()
    {
        { "linear(64,12),relu,linear(12,4)", 1, 8, false },
        { "conv2d(1,3,3,padding=1),relu,maxpool2d(2),flatten,linear(48,4)", 1, 8, false },
        { "conv2d(3,4,3,padding=1),batchnorm2d(4),relu,globalavgpool,flatten,linear(4,4)", 3, 8, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Byte_backed_shards_give_the_float_paths_bits(string spec, int channels, int side, bool cifar)
    {
        const int n = 300;
        int size = channels * side * side;
        var pixels = Pixels(n * size, 11);
        var labels = Enumerable.Range(0, n).Select(i => i * 7 % 4).ToArray();
        float[]? mean = cifar ? CifarMean.Select(m => (float)(m / 255)).ToArray() : null;
        float[]? std = cifar ? CifarStd.Select(s => (float)(s / 255)).ToArray() : null;
        int[] shape = [channels, side, side];
        var bytes = new DataSet("bytes", shape, new ByteFeatures([pixels], size, 0, size, mean, std), labels, 4);
        var floats = new DataSet("floats", shape, AsFloats(pixels, side * side, cifar ? CifarMean : null, cifar ? CifarStd : null), labels, 4);
        Assert.Equal(floats.Values(), bytes.Values());
        Assert.Equal(floats.ContentHash, bytes.ContentHash);
        Same<float>(spec, shape, bytes, floats);
        Same<double>(spec, shape, bytes, floats);
    }

    static void Same<T>(string spec, int[] shape, DataSet bytes, DataSet floats) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var network = ModelSpec.Build<T>(spec, shape);
        TestNets.RandomStatistics(network.Buffers);
        var theta = TestNets.RandomVector<T>(network.ParameterCount, 3, 0.3);
        var v = TestNets.RandomVector<T>(network.ParameterCount, 4);
        // Shards of 112 (the last shorter), two threads: each shard converted into the workspace that runs it, a loss-only
        // pass through a dense first linear layer in blocks of 64 rows.
        var a = new EmpiricalRisk<T>(network, bytes, "ce", 1e-3, 112, 2);
        var b = new EmpiricalRisk<T>(network, floats, "ce", 1e-3, 112, 2);
        Assert.Equal(b.Evaluate(theta), a.Evaluate(theta));
        T[] ga = new T[theta.Length], gb = new T[theta.Length];
        Assert.Equal(b.Gradient(theta, gb), a.Gradient(theta, ga));
        Assert.Equal(gb, ga);
        a.HessianVectorProduct(theta, v, ga);
        b.HessianVectorProduct(theta, v, gb);
        Assert.Equal(gb, ga);
        Assert.Equal(b.HessianQuadraticForm(theta, v), a.HessianQuadraticForm(theta, v));
        int[] batch = [5, 290, 17, 64, 3];
        Assert.Equal(b.MinibatchGradient(theta, batch, gb), a.MinibatchGradient(theta, batch, ga));
        Assert.Equal(gb, ga);
        var ra = new Evaluation[3];
        var rb = new Evaluation[3];
        a.EvaluatePlane(theta, v, ga, [0, 0.5, -1], [0, 1, 0.25], ra);
        b.EvaluatePlane(theta, v, ga, [0, 0.5, -1], [0, 1, 0.25], rb);
        Assert.Equal(rb, ra);
        var pa = new T[2 * theta.Length];
        var pb = new T[2 * theta.Length];
        a.PerExampleGradients(theta, 100, 2, pa);
        b.PerExampleGradients(theta, 100, 2, pb);
        Assert.Equal(pb, pa);
    }

    /// <summary>An IDX file of <paramref name="n"/> 28 x 28 images of incompressible bytes, so its gzip's bytes follow its records.</summary>
    static byte[] RandomImages(int n, out byte[] pixels)
    {
        pixels = new byte[n * 784];
        new Random(5).NextBytes(pixels);
        byte[] header = [0, 0, 8, 3, 0, 0, (byte)(n >> 8), (byte)n, 0, 0, 0, 28, 0, 0, 0, 28];
        return [.. header, .. pixels];
    }

    static byte[] Gzip(byte[] bytes)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(bytes);
        return ms.ToArray();
    }

    [Fact]
    public void A_gzip_is_read_only_as_far_as_the_records_asked_for()
    {
        var gz = Gzip(RandomImages(1000, out var pixels));
        var counting = new CountingStream(gz);
        var (dims, data) = Idx.Read(counting, "images", records: 50);
        Assert.Equal(1000, dims[0]);
        Assert.Equal(pixels[..(50 * 784)], data.ToArray());
        Assert.True(counting.BytesRead < gz.Length / 4, $"read {counting.BytesRead} of {gz.Length} compressed bytes for 5 % of the records");

        // Cut in the middle of the file: the records before the cut load; asking for records past it is one clear error.
        var cut = gz[..(gz.Length / 2)];
        Assert.Equal(pixels[..(100 * 784)], Idx.Read(new MemoryStream(cut), "images", records: 100).Data.ToArray());
        var e = Assert.Throws<BasinException>(() => Idx.Read(new MemoryStream(cut), "images", records: 900));
        Assert.Contains("promises 784000 bytes of data but the file holds", e.Why);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Throws<BasinException>(() => Idx.Read(new MemoryStream(cut), "images"));
    }

    [Fact]
    public void Loads_by_name_stop_after_n_records_and_map_raw_files()
    {
        string dir = TestPaths.NewDirectory("idx-n");
        var images = RandomImages(1000, out var pixels);
        byte[] labels = [0, 0, 8, 1, 0, 0, 3, 232, .. Enumerable.Range(0, 1000).Select(i => (byte)(i % 10))];
        // Gzipped images cut after 40 % of their records, and raw labels cut after 600 of them: --n 200 needs neither end.
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte.gz"), Gzip(images)[..(int)(0.4 * images.Length)]);
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), labels[..(8 + 600)]);
        var data = DataCatalog.Load("mnist", "train", dir, n: 200);
        Assert.Equal(200, data.Count);
        Assert.Equal(AsFloats(pixels[..(200 * 784)], 784), data.Values());
        Assert.Equal(Enumerable.Range(0, 200).Select(i => i % 10), data.Labels!);
        var e = Assert.Throws<BasinException>(() => DataCatalog.Load("mnist", "train", dir, n: 800));
        Assert.Contains("the file holds", e.Why);
        Assert.Throws<BasinException>(() => DataCatalog.Load("mnist", "train", dir));
    }

    [Fact]
    public void Cifar10_maps_only_the_batch_files_it_needs()
    {
        string dir = TestPaths.NewDirectory("cifar-n");
        var rng = new Random(9);
        var record = new byte[Cifar10.RecordSize * 30];
        rng.NextBytes(record);
        for (int r = 0; r < 30; r++) record[r * Cifar10.RecordSize] = (byte)(r % 10);
        File.WriteAllBytes(Path.Combine(dir, "data_batch_1.bin"), record);
        File.WriteAllBytes(Path.Combine(dir, "data_batch_2.bin"), record[..(5 * Cifar10.RecordSize)]);
        // Batches 3-5 are absent: the first 32 records are in the first two files.
        var data = DataCatalog.Load("cifar10", "train", dir, n: 32);
        Assert.Equal(32, data.Count);
        Assert.Equal(Enumerable.Range(0, 32).Select(i => i % 30 % 10), data.Labels!);
        var x = new float[3072];
        data.CopyFeatures(31, 1, x);
        var pixels = record.AsSpan(Cifar10.RecordSize + 1, 3072).ToArray();
        Assert.Equal(AsFloats(pixels, 1024, CifarMean, CifarStd), x);
        var e = Assert.Throws<BasinException>(() => DataCatalog.Load("cifar10", "train", dir, n: 40));
        Assert.Contains("data_batch_3.bin is missing", e.Why);
    }

    /// <summary>A read-only stream over bytes that counts what was read from it.</summary>
    sealed class CountingStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Count(base.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(base.Read(buffer));

        int Count(int n)
        {
            BytesRead += n;
            return n;
        }
    }
}
