namespace Basin.Data;

/// <summary>
/// CIFAR-10's binary version: records of one label byte and 3,072 pixel bytes (3 x 32 x 32, channel-major);
/// train is data_batch_1.bin ... data_batch_5.bin, test is test_batch.bin.
/// </summary>
internal static class Cifar10
{
    public const int RecordSize = 1 + 3 * 32 * 32;

    public static string[] FileNames(string split) => split == "train"
        ? ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"]
        : ["test_batch.bin"];

    /// <summary>
    /// Per-channel mean and standard deviation loss-landscape normalizes CIFAR-10 by (its dataloader.py), as float32: a
    /// pixel is (byte / 255f - mean[c]) / std[c] in float32, torchvision's Normalize after ToTensor.
    /// </summary>
    static readonly float[] Mean = [(float)(125.3 / 255), (float)(123.0 / 255), (float)(113.9 / 255)];
    static readonly float[] Std = [(float)(63.0 / 255), (float)(62.1 / 255), (float)(66.7 / 255)];

    /// <summary>A zero pixel of channel c after normalization: the value padding takes (torchvision pads before normalizing).</summary>
    public static float NormalizedZero(int c) => (0f - Mean[c]) / Std[c];

    /// <summary>
    /// The split's first <paramref name="n"/> records (all when null) from a folder (or its cifar-10-batches-bin
    /// subfolder), normalized unless told not to: each file needed is mapped into memory and its pixels read in place
    /// when a pass uses them; files after the n-th record are not opened.
    /// </summary>
    public static DataSet Load(string dir, string split, bool normalize = true, int? n = null, Action<double>? progress = null)
    {
        var segments = new List<ReadOnlyMemory<byte>>();
        var labels = new List<int>();
        foreach (var name in FileNames(split))
        {
            if (n is { } wanted && labels.Count >= wanted) break;
            string path = Path.Combine(dir, name);
            if (!File.Exists(path))
                throw new BasinException("cifar10", $"{path} is missing", "the binary version has data_batch_1.bin ... data_batch_5.bin and test_batch.bin");
            var bytes = MappedFile.Open(path);
            int records = Records(bytes.Span, path, labels, n is { } m ? m - labels.Count : int.MaxValue);
            segments.Add(bytes[..(records * RecordSize)]);
            progress?.Invoke(n is { } all ? (double)labels.Count / all : (double)segments.Count / FileNames(split).Length);
        }
        var features = new ByteFeatures([.. segments], RecordSize, 1, RecordSize - 1, normalize ? Mean : null, normalize ? Std : null);
        return new DataSet("cifar10", [3, 32, 32], features, [.. labels], 10);
    }

    /// <summary>
    /// Checks one batch file's bytes and appends the labels of its first <paramref name="limit"/> records (the pixels are
    /// read in place); returns how many records that is.
    /// </summary>
    public static int Records(ReadOnlySpan<byte> bytes, string what, List<int> labels, int limit = int.MaxValue)
    {
        if (bytes.Length == 0 || bytes.Length % RecordSize != 0)
            throw new BasinException(what, $"{bytes.Length} bytes is not a whole number of {RecordSize}-byte CIFAR-10 records",
                "the file is truncated or not the binary version");
        int records = Math.Min(limit, bytes.Length / RecordSize);
        for (int r = 0; r < records; r++)
        {
            int label = bytes[r * RecordSize];
            if (label > 9) throw new BasinException(what, $"record {r} has label {label}; CIFAR-10 labels are 0-9", "is this the CIFAR-100 file?");
            labels.Add(label);
        }
        return records;
    }

    /// <summary>The folder holding the split's first file, searched as IDX sets are.</summary>
    public static string? Find(string? dataDir, string split)
    {
        foreach (var dir in DataCatalog.SearchPath("cifar10", dataDir))
            foreach (var candidate in new[] { dir, Path.Combine(dir, "cifar-10-batches-bin") })
                if (File.Exists(Path.Combine(candidate, FileNames(split)[0]))) return candidate;
        return null;
    }
}
