using System.IO.Compression;
using Basin.Data;

namespace Basin.Tests.Data;

public class IdxTests
{
    static byte[] IdxBytes(byte[] header, byte[] body) => [.. header, .. body];

    static byte[] Images(int n, int rows, int cols, Func<int, byte> pixel)
    {
        var body = new byte[n * rows * cols];
        for (int i = 0; i < body.Length; i++) body[i] = pixel(i);
        return IdxBytes([0, 0, 8, 3, 0, 0, 0, (byte)n, 0, 0, 0, (byte)rows, 0, 0, 0, (byte)cols], body);
    }

    static byte[] Labels(params byte[] y) => IdxBytes([0, 0, 8, 1, 0, 0, 0, (byte)y.Length], y);

    [Fact]
    public void Reads_raw_and_gzipped_files_with_true_division_by_255()
    {
        string dir = TestPaths.NewDirectory("idx");
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), Images(3, 2, 2, i => (byte)(i * 20)));
        using (var f = File.Create(Path.Combine(dir, "train-labels-idx1-ubyte.gz")))
        using (var gz = new GZipStream(f, CompressionLevel.Fastest))
            gz.Write(Labels(1, 0, 9));
        var data = DataCatalog.Load("mnist", "train", dir);
        Assert.Equal(3, data.Count);
        Assert.Equal([1, 2, 2], data.InputShape);
        Assert.Equal([1, 0, 9], data.Labels!);
        for (int i = 0; i < 12; i++) Assert.Equal((byte)(i * 20) / 255f, data.Values()[i]);
    }

    [Fact]
    public void Embedded_subset_is_the_first_fashion_mnist_examples()
    {
        var train = DataCatalog.Load(DataCatalog.Embedded, "train");
        var test = DataCatalog.Load(DataCatalog.Embedded, "test");
        Assert.Equal(2000, train.Count);
        Assert.Equal(500, test.Count);
        // The first Fashion-MNIST training labels are 9 (ankle boot), 0, 0, 3, 0, 2; the first test labels 9, 2, 1, 1.
        Assert.Equal([9, 0, 0, 3, 0, 2], train.Labels![..6]);
        Assert.Equal([9, 2, 1, 1], test.Labels![..4]);
    }

    [Theory]
    [InlineData("truncated", "promises 12 bytes of data but the file holds 5")]
    [InlineData("magic", "bad magic number")]
    [InlineData("gzip", "corrupt gzip data")]
    [InlineData("count", "3 images but 2 labels")]
    public void Corrupt_files_are_refused_with_the_reason(string fault, string message)
    {
        string dir = TestPaths.NewDirectory("idx");
        byte[] images = Images(3, 2, 2, i => 1);
        byte[] labels = Labels(1, 2, 3);
        switch (fault)
        {
            case "truncated": images = images[..(16 + 5)]; break;
            case "magic": images[0] = 7; break;
            case "gzip": images = [0x1f, 0x8b, 8, 0, 1, 2, 3]; break;
            case "count": labels = Labels(1, 2); break;
        }
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), images);
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), labels);
        var e = Assert.Throws<BasinException>(() => DataCatalog.Load("fashion-mnist", "test", dir));
        Assert.Contains(message, e.Why);
    }

    [Fact]
    public void Missing_files_list_where_they_were_looked_for()
    {
        var e = Assert.Throws<BasinException>(() => DataCatalog.Load("fashion-mnist", "train", "/nonexistent-dir"));
        Assert.Contains("/nonexistent-dir", e.Why);
        Assert.Contains("fashion-mnist-mini", e.Hint);
    }
}
