using System.Globalization;

namespace Basin.Data;

/// <summary>
/// A CSV file of numeric features and one label column (the last, unless named). A first row that is not all
/// numbers is a header. Labels that are all non-negative integers are classes; otherwise they are real targets.
/// </summary>
internal static class Csv
{
    public static DataSet Load(string path, string? labelColumn = null)
    {
        if (!File.Exists(path)) throw new BasinException(path, "file not found");
        return Parse(File.ReadAllText(path), path, labelColumn);
    }

    /// <summary>A CSV data set from its text; <paramref name="path"/> names it in errors and gives the set its name.</summary>
    public static DataSet Parse(string text, string path, string? labelColumn = null)
    {
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++) lines[i] = lines[i].TrimEnd('\r');
        int first = 0;
        while (first < lines.Length && lines[first].Trim().Length == 0) first++;
        if (first == lines.Length) throw new BasinException(path, "the CSV file is empty");
        string[] header = Split(lines[first]);
        bool hasHeader = header.Any(f => !double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        int columns = header.Length;
        if (columns < 2) throw new BasinException(path, "a CSV data set needs at least one feature column and a label column");
        int label = columns - 1;
        if (labelColumn is not null)
        {
            label = hasHeader ? Array.FindIndex(header, h => h.Equals(labelColumn, StringComparison.OrdinalIgnoreCase)) : -1;
            if (label < 0 && int.TryParse(labelColumn, out int index) && index >= 0 && index < columns) label = index;
            if (label < 0)
                throw new BasinException(path, $"no column '{labelColumn}'", hasHeader ? "columns: " + string.Join(", ", header) : "give a 0-based column index");
        }
        var features = new List<float>();
        var targets = new List<double>();
        for (int i = hasHeader ? first + 1 : first; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            var fields = Split(lines[i]);
            if (fields.Length != columns)
                throw new BasinException(path, $"line {i + 1} has {fields.Length} fields, expected {columns}", "every row needs the same number of columns");
            for (int c = 0; c < columns; c++)
            {
                if (!double.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    throw new BasinException(path, $"line {i + 1}, column {c + 1}: '{fields[c]}' is not a number");
                if (!float.IsFinite((float)v))
                    throw new BasinException(path, $"line {i + 1}, column {c + 1}: '{fields[c]}' is not a finite float32 number",
                        "remove or impute missing values before training");
                if (c == label) targets.Add(v);
                else features.Add((float)v);
            }
        }
        if (targets.Count == 0) throw new BasinException(path, "the CSV file has a header but no rows");
        string name = Path.GetFileName(path);
        if (targets.All(t => t >= 0 && t == Math.Floor(t) && t < int.MaxValue))
        {
            var labels = targets.Select(t => (int)t).ToArray();
            return new DataSet(name, [columns - 1], [.. features], labels, labels.Max() + 1);
        }
        return new DataSet(name, [columns - 1], [.. features], null, 0, targets.Select(t => (float)t).ToArray(), 1);
    }

    static string[] Split(string line) => line.Split(',').Select(f => f.Trim().Trim('"')).ToArray();

    /// <summary>The file for a split: NAME.csv for train; for test, NAME with "train" replaced by "test", or NAME.test.csv.</summary>
    public static string ForSplit(string path, string split)
    {
        if (split == "train") return path;
        string file = Path.GetFileName(path), dir = Path.GetDirectoryName(path) ?? "";
        string[] candidates = [file.Replace("train", "test", StringComparison.OrdinalIgnoreCase), Path.GetFileNameWithoutExtension(file) + ".test.csv"];
        foreach (var c in candidates)
            if (c != file && File.Exists(Path.Combine(dir, c))) return Path.Combine(dir, c);
        throw new BasinException(path, "no test file beside it", $"name it {candidates[^1]} (or *test* for a *train* file), or train with {{no-test}}");
    }
}
