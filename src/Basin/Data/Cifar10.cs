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

    /// <summary>Reads the split's files from a folder (or its cifar-10-batches-bin subfolder).</summary>
    public static DataSet Load(string dir, string split)
    {
        var features = new List<float>();
        var labels = new List<int>();
        foreach (var name in FileNames(split))
        {
            string path = Path.Combine(dir, name);
            if (!File.Exists(path))
                throw new BasinException("cifar10", $"{path} is missing", "the binary version has data_batch_1.bin ... data_batch_5.bin and test_batch.bin");
            Records(File.ReadAllBytes(path), path, features, labels);
        }
        return new DataSet("cifar10", [3, 32, 32], [.. features], [.. labels], 10);
    }

    /// <summary>Appends the records of one batch file's bytes (pixels as byte / 255f) to the lists.</summary>
    public static void Records(ReadOnlySpan<byte> bytes, string what, List<float> features, List<int> labels)
    {
        if (bytes.Length == 0 || bytes.Length % RecordSize != 0)
            throw new BasinException(what, $"{bytes.Length} bytes is not a whole number of {RecordSize}-byte CIFAR-10 records",
                "the file is truncated or not the binary version");
        for (int r = 0; r < bytes.Length / RecordSize; r++)
        {
            int label = bytes[r * RecordSize];
            if (label > 9) throw new BasinException(what, $"record {r} has label {label}; CIFAR-10 labels are 0-9", "is this the CIFAR-100 file?");
            labels.Add(label);
            for (int i = 1; i < RecordSize; i++) features.Add(bytes[r * RecordSize + i] / 255f);
        }
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
