using Basin.Data;

namespace Basin.Tests.Data;

public class CifarCsvTests
{
    static byte[] Records(params (byte Label, byte Fill)[] records)
    {
        var bytes = new byte[records.Length * Cifar10.RecordSize];
        for (int r = 0; r < records.Length; r++)
        {
            bytes[r * Cifar10.RecordSize] = records[r].Label;
            for (int i = 1; i < Cifar10.RecordSize; i++) bytes[r * Cifar10.RecordSize + i] = (byte)(records[r].Fill + i % 7);
        }
        return bytes;
    }

    [Fact]
    public void Reads_cifar10_binary_batches_in_file_order()
    {
        string root = TestPaths.NewDirectory("data"), dir = Path.Combine(root, "cifar-10-batches-bin");
        Directory.CreateDirectory(dir);
        for (int b = 1; b <= 5; b++) File.WriteAllBytes(Path.Combine(dir, $"data_batch_{b}.bin"), Records(((byte)b, (byte)(10 * b)), (0, 1)));
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), Records((9, 200)));
        var train = DataCatalog.Load("cifar10", "train", root, normalize: false);
        Assert.Equal(10, train.Count);
        Assert.Equal([3, 32, 32], train.InputShape);
        Assert.Equal([1, 0, 2, 0, 3, 0, 4, 0, 5, 0], train.Labels!);
        Assert.Equal((10 + 1 % 7) / 255f, train.Values()[0]);
        Assert.Equal((20 + 3072 % 7) / 255f, train.Values()[2 * 3072 + 3071]);
        var test = DataCatalog.Load("cifar10", "test", dir);
        Assert.Equal([9], test.Labels!);
        // By default normalized as loss-landscape trains: (byte / 255 - mean[c]) / std[c] in float32, mean and std from its dataloader.
        var normalized = DataCatalog.Load("cifar10", "train", root);
        double[] mean = [125.3, 123.0, 113.9], std = [63.0, 62.1, 66.7];
        foreach (int i in new[] { 0, 1500, 2048, 3071, 5 * 3072 + 1030 })
        {
            int c = i % 3072 / 1024;
            Assert.Equal((train.Values()[i] - (float)(mean[c] / 255.0)) / (float)(std[c] / 255.0), normalized.Values()[i]);
        }
    }

    [Theory]
    [InlineData("truncated", "is not a whole number of 3073-byte")]
    [InlineData("label", "record 1 has label 12")]
    [InlineData("missing", "test_batch.bin is missing")]
    public void Corrupt_cifar10_files_are_refused(string fault, string message)
    {
        string dir = TestPaths.NewDirectory("data");
        var bytes = Records((1, 0), (2, 0));
        if (fault == "truncated") bytes = bytes[..^10];
        if (fault == "label") bytes[Cifar10.RecordSize] = 12;
        File.WriteAllBytes(Path.Combine(dir, fault == "missing" ? "other.bin" : "test_batch.bin"), bytes);
        if (fault == "missing") File.WriteAllBytes(Path.Combine(dir, "data_batch_1.bin"), bytes);
        var e = Assert.Throws<BasinException>(() => fault == "missing" ? Cifar10.Load(dir, "test") : DataCatalog.Load("cifar10", "test", dir));
        Assert.Contains(message, e.Why);
    }

    [Fact]
    public void Csv_with_header_and_named_label_column()
    {
        string dir = TestPaths.NewDirectory("data"), path = Path.Combine(dir, "iris-train.csv");
        File.WriteAllText(path, "a,label,b\n1.5,2,3\n-1,0,4e-1\n");
        File.WriteAllText(Path.Combine(dir, "iris-test.csv"), "a,label,b\n0,1,0\n");
        var d = DataCatalog.Load(path + ":label", "train");
        Assert.Equal([2], d.InputShape);
        Assert.Equal([1.5f, 3f, -1f, 0.4f], d.Values());
        Assert.Equal([2, 0], d.Labels!);
        Assert.Equal(3, d.Classes);
        Assert.Equal([1], DataCatalog.Load(path + ":label", "test").Labels!);
    }

    [Fact]
    public void Csv_with_real_labels_gives_regression_targets()
    {
        string path = Path.Combine(TestPaths.NewDirectory("data"), "r.csv");
        File.WriteAllText(path, "1,2,0.5\n3,4,-1.25\n");
        var d = DataCatalog.Load(path, "train");
        Assert.Null(d.Labels);
        Assert.Equal([0.5f, -1.25f], d.Targets!);
    }

    [Theory]
    [InlineData("a,b,y\n1,2,0\n1,2\n", "line 3 has 2 fields, expected 3")]
    [InlineData("1,2,0\n1,x,1\n", "line 2, column 2: 'x' is not a number")]
    [InlineData("a,b,y\n", "has a header but no rows")]
    [InlineData("", "the CSV file is empty")]
    public void Bad_csv_rows_are_refused_with_line_numbers(string text, string message)
    {
        string path = Path.Combine(TestPaths.NewDirectory("data"), "bad.csv");
        File.WriteAllText(path, text);
        Assert.Contains(message, Assert.Throws<BasinException>(() => DataCatalog.Load(path, "train")).Why);
    }

    [Fact]
    public void Random_labels_replace_the_asked_fraction_reproducibly()
    {
        var d = DataCatalog.Load(DataCatalog.Embedded, "train");
        var a = d.WithRandomLabels(0.5, 7);
        var b = d.WithRandomLabels(0.5, 7);
        Assert.Equal(a.Labels!, b.Labels!);
        int changed = a.Labels!.Zip(d.Labels!, (x, y) => x != y ? 1 : 0).Sum();
        // 1,000 relabelled uniformly over 10 classes: about 900 differ from the truth.
        Assert.InRange(changed, 850, 950);
        Assert.Equal(d.Labels!, d.WithRandomLabels(0, 7).Labels!);
    }
}
