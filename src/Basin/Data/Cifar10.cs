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

    /// <summary>Per-channel mean and standard deviation loss-landscape normalizes CIFAR-10 by (its dataloader.py), as float32.</summary>
    static readonly float[] Mean = [(float)(125.3 / 255), (float)(123.0 / 255), (float)(113.9 / 255)];
    static readonly float[] Std = [(float)(63.0 / 255), (float)(62.1 / 255), (float)(66.7 / 255)];

    /// <summary>(byte / 255f - mean[c]) / std[c] in float32 (torchvision's Normalize after ToTensor), in place.</summary>
    public static void Normalize(Span<float> features)
    {
        const int plane = 32 * 32;
        for (int at = 0; at < features.Length; at += plane)
        {
            int c = at / plane % 3;
            foreach (ref float x in features.Slice(at, plane)) x = (x - Mean[c]) / Std[c];
        }
    }

    /// <summary>A zero pixel of channel c after <see cref="Normalize"/>: the value padding takes (torchvision pads before normalizing).</summary>
    public static float NormalizedZero(int c) => (0f - Mean[c]) / Std[c];

    /// <summary>Reads the split's files from a folder (or its cifar-10-batches-bin subfolder), normalized unless told not to.</summary>
    public static DataSet Load(string dir, string split, bool normalize = true)
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
        float[] x = [.. features];
        if (normalize) Normalize(x);
        return new DataSet("cifar10", [3, 32, 32], x, [.. labels], 10);
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
