using System.Globalization;
using Basin.Models;
using PureHDF;

namespace Basin.Landscape;

/// <summary>
/// Surfaces as HDF5 with loss-landscape's dataset names (xcoordinates, ycoordinates, train_loss, train_acc,
/// test_loss, test_acc, max_eig, min_eig; 2D arrays indexed [i, j] at x[i], y[j]; accuracy in percent), the settings as attributes,
/// and a <c>computed</c> mask so an interrupted surface resumes. Written to a temporary file and renamed.
/// </summary>
public static class SurfaceFile
{
    public static void Write(string path, Surface s)
    {
        var file = new H5File();
        file["xcoordinates"] = s.X.Values();
        if (s.Y is not null) file["ycoordinates"] = s.Y.Values();
        file["train_loss"] = Shape(s, s.TrainLoss, 1);
        file["train_acc"] = Shape(s, s.TrainAccuracy, 100);
        if (s.HasTest)
        {
            file["test_loss"] = Shape(s, s.TestLoss!, 1);
            file["test_acc"] = Shape(s, s.TestAccuracy!, 100);
        }
        if (s.MaxEig is not null)
        {
            file["max_eig"] = Shape(s, s.MaxEig, 1);
            file["min_eig"] = Shape(s, s.MinEig!, 1);
        }
        var mask = s.Done.Select(d => d ? (byte)1 : (byte)0).ToArray();
        file["computed"] = s.Y is null ? mask : ToMatrix(mask, s.X.Count, s.Columns);
        foreach (var (k, v) in s.Settings) file.Attributes[k] = v;
        file.Attributes["xrange"] = s.X.ToString();
        if (s.Y is not null) file.Attributes["yrange"] = s.Y.ToString();
        AtomicFile.Write(path, stream => file.Write(stream));
    }

    static object Shape(Surface s, double[] values, double scale)
    {
        var v = scale == 1 ? values : values.Select(x => x * scale).ToArray();
        return s.Y is null ? v : ToMatrix(v, s.X.Count, s.Columns);
    }

    static T[,] ToMatrix<T>(T[] v, int rows, int cols)
    {
        var m = new T[rows, cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) m[i, j] = v[i * cols + j];
        return m;
    }

    /// <summary>Reads a surface written by <see cref="Write"/>; a file that is not one is a user error.</summary>
    public static Surface Read(string path)
    {
        try
        {
            using var f = H5File.OpenRead(path);
            var settings = new Dictionary<string, string>();
            foreach (var a in f.Attributes()) settings[a.Name] = a.Read<string>();
            var x = Axis.Parse(settings["xrange"], "xrange");
            var y = settings.TryGetValue("yrange", out var yr) ? Axis.Parse(yr, "yrange") : null;
            settings.Remove("xrange");
            settings.Remove("yrange");
            bool hasTest = f.LinkExists("test_loss");
            var s = new Surface(x, y, hasTest, settings, eigen: f.LinkExists("max_eig"));
            Load(f, "train_loss", s.TrainLoss);
            Load(f, "train_acc", s.TrainAccuracy);
            Fractions(s.TrainAccuracy, settings.GetValueOrDefault("n"));
            if (hasTest)
            {
                Load(f, "test_loss", s.TestLoss!);
                Load(f, "test_acc", s.TestAccuracy!);
                Fractions(s.TestAccuracy!, settings.GetValueOrDefault("test_n"));
            }
            if (s.MaxEig is not null)
            {
                Load(f, "max_eig", s.MaxEig);
                Load(f, "min_eig", s.MinEig!);
            }
            var mask = y is null ? f.Dataset("computed").Read<byte[]>() : Flatten(f.Dataset("computed").Read<byte[,]>());
            for (int i = 0; i < mask.Length; i++) s.Done[i] = mask[i] != 0;
            return s;
        }
        catch (Exception e) when (e is not BasinException)
        {
            throw new BasinException(path, $"cannot read it as a Basin surface ({e.Message})", "pass {force} to compute it again");
        }
    }

    static void Load(IH5Group f, string name, double[] into)
    {
        var ds = f.Dataset(name);
        var v = ds.Space.Rank == 1 ? ds.Read<double[]>() : Flatten(ds.Read<double[,]>());
        if (v.Length != into.Length) throw new InvalidDataException($"{name} holds {v.Length} values, the grid has {into.Length} cells");
        v.CopyTo(into, 0);
    }

    /// <summary>
    /// Percentages back to the fractions they were written from. An accuracy over n examples is c / n for a count c,
    /// which round(n p / 100) recovers exactly, so a resumed surface holds (and writes again) the very bits an
    /// uninterrupted one does; a plain p / 100 differs in the last bit for some cells.
    /// </summary>
    static void Fractions(double[] percent, string? count)
    {
        bool known = int.TryParse(count, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0;
        for (int i = 0; i < percent.Length; i++)
            percent[i] = known && double.IsFinite(percent[i]) ? Math.Round(percent[i] * n / 100) / n : percent[i] / 100;
    }

    static T[] Flatten<T>(T[,] m)
    {
        var v = new T[m.Length];
        int k = 0;
        foreach (var x in m) v[k++] = x;
        return v;
    }

    public static string Format(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
