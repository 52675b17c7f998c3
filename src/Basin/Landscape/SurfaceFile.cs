using System.Globalization;
using Basin.Models;
using PureHDF;

namespace Basin.Landscape;

/// <summary>
/// Surfaces as HDF5 with loss-landscape's dataset names (xcoordinates, ycoordinates, train_loss, train_acc,
/// test_loss, test_acc, max_eig, min_eig; accuracy in percent), the settings as attributes, and a <c>computed</c> mask so
/// an interrupted surface resumes. A 2D quantity has shape (len(y), len(x)) with [j, i] at (x[i], y[j]), as loss-landscape's
/// plot_2D.py reads it (<c>X, Y = meshgrid(x, y); contour(X, Y, Z)</c>); the <c>layout</c> attribute says so. Files
/// written before it (no such attribute) held [i, j] at (x[i], y[j]) and are read in that layout. Written to a temporary
/// file and renamed.
/// </summary>
public static class SurfaceFile
{
    /// <summary>The <c>layout</c> attribute of a 2D file: rows are y, columns x.</summary>
    public const string Layout = "yx: [j, i] at (xcoordinates[i], ycoordinates[j])";

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
        if (s.Y is not null)
        {
            file.Attributes["yrange"] = s.Y.ToString();
            file.Attributes["layout"] = Layout;
        }
        AtomicFile.Write(path, stream => file.Write(stream));
    }

    static object Shape(Surface s, double[] values, double scale)
    {
        var v = scale == 1 ? values : values.Select(x => x * scale).ToArray();
        return s.Y is null ? v : ToMatrix(v, s.X.Count, s.Columns);
    }

    /// <summary>Cells (x index i, y index j, at i * ys + j) as the file's matrix: [j, i].</summary>
    static T[,] ToMatrix<T>(T[] v, int xs, int ys)
    {
        var m = new T[ys, xs];
        for (int i = 0; i < xs; i++) for (int j = 0; j < ys; j++) m[j, i] = v[i * ys + j];
        return m;
    }

    /// <summary>Reads a surface written by <see cref="Write"/>; a file that is not one is a user error.</summary>
    public static Surface Read(string path) => Read(path, out _);

    /// <summary>As <see cref="Read(string)"/>; <paramref name="oldLayout"/> tells a 2D file written before the layout attribute.</summary>
    internal static Surface Read(string path, out bool oldLayout)
    {
        if (!System.IO.File.Exists(path)) throw new BasinException(path, "file not found");
        try
        {
            using var f = H5File.OpenRead(path);
            var settings = new Dictionary<string, string>();
            foreach (var a in f.Attributes()) settings[a.Name] = a.Read<string>();
            var x = Axis.Parse(settings["xrange"], "xrange");
            var y = settings.TryGetValue("yrange", out var yr) ? Axis.Parse(yr, "yrange") : null;
            bool transposed = settings.TryGetValue("layout", out var layout) && layout.StartsWith("yx", StringComparison.Ordinal);
            oldLayout = y is not null && !transposed;
            foreach (var written in new[] { "xrange", "yrange", "layout" }) settings.Remove(written);
            bool hasTest = f.LinkExists("test_loss");
            var s = new Surface(x, y, hasTest, settings, eigen: f.LinkExists("max_eig"));
            void Load(string name, double[] into) => Cells(f.Dataset(name), into, transposed, x.Count);
            Load("train_loss", s.TrainLoss);
            Load("train_acc", s.TrainAccuracy);
            Fractions(s.TrainAccuracy, settings.GetValueOrDefault("n"));
            if (hasTest)
            {
                Load("test_loss", s.TestLoss!);
                Load("test_acc", s.TestAccuracy!);
                Fractions(s.TestAccuracy!, settings.GetValueOrDefault("test_n"));
            }
            if (s.MaxEig is not null)
            {
                Load("max_eig", s.MaxEig);
                Load("min_eig", s.MinEig!);
            }
            var computed = f.Dataset("computed");
            var mask = y is null ? computed.Read<byte[]>() : Cells(computed.Read<byte[,]>(), transposed, x.Count);
            if (mask.Length != s.Done.Length) throw new InvalidDataException($"computed holds {mask.Length} values, the grid has {s.Done.Length} cells");
            for (int i = 0; i < mask.Length; i++) s.Done[i] = mask[i] != 0;
            return s;
        }
        catch (Exception e) when (e is not BasinException)
        {
            throw new BasinException(path, $"cannot read it as a Basin surface ({e.Message})", "give a file written by basin surface ({force} there computes one again in its place)");
        }
    }

    static void Cells(IH5Dataset ds, double[] into, bool transposed, int xs)
    {
        var v = ds.Space.Rank == 1 ? ds.Read<double[]>() : Cells(ds.Read<double[,]>(), transposed, xs);
        if (v.Length != into.Length) throw new InvalidDataException($"{ds.Name} holds {v.Length} values, the grid has {into.Length} cells");
        v.CopyTo(into, 0);
    }

    /// <summary>A file's matrix as cells i * ys + j: from [j, i] (<paramref name="transposed"/>), or from the old [i, j].</summary>
    static T[] Cells<T>(T[,] m, bool transposed, int xs)
    {
        if (m.GetLength(transposed ? 1 : 0) != xs) throw new InvalidDataException($"a {m.GetLength(0)} x {m.GetLength(1)} matrix for {xs} x coordinates");
        int ys = m.Length / xs;
        var v = new T[m.Length];
        for (int i = 0; i < xs; i++) for (int j = 0; j < ys; j++) v[i * ys + j] = transposed ? m[j, i] : m[i, j];
        return v;
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

    public static string Format(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
