using System.Globalization;
using System.Text;
using Basin.Models;

namespace Basin.Landscape;

/// <summary>
/// A 2D surface as a VTK XML PolyData file (.vtp) for ParaView, as loss-landscape's h52vtp.py writes one: a point per
/// cell at (x, y, z) with z the quantity, quads between neighbouring cells, and the quantity again as point data.
/// With <c>log</c>, z = ln(value + 0.1) (h52vtp's log scale); with <c>zmax</c> above 0, values above it are clipped to it.
/// </summary>
internal static class SurfaceVtp
{
    /// <summary>The surface quantities a file can show, by their HDF5 names.</summary>
    public static readonly string[] Quantities = ["train_loss", "train_acc", "test_loss", "test_acc"];

    public static void Write(string path, Surface s, string quantity = "train_loss", bool log = false, double zmax = 0)
    {
        if (s.Y is null) throw new BasinException(path, "a 1D curve has no surface to draw in 3D", "give the surface a {yrange}");
        var values = quantity switch
        {
            "train_loss" => s.TrainLoss,
            "train_acc" => s.TrainAccuracy.Select(a => 100 * a).ToArray(),
            "test_loss" when s.HasTest => s.TestLoss!,
            "test_acc" when s.HasTest => s.TestAccuracy!.Select(a => 100 * a).ToArray(),
            _ => throw new BasinException("{surf-name}", $"the surface has no {quantity}", "use one of " + string.Join(", ", Quantities.Where(q => s.HasTest || !q.StartsWith("test", StringComparison.Ordinal)))),
        };
        int nx = s.X.Count, ny = s.Columns;
        var z = new double[nx * ny];
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++)
            {
                double v = values[i * ny + j];
                if (log) v = Math.Log(v + 0.1);
                if (zmax > 0 && !(v <= zmax)) v = zmax;
                z[j * nx + i] = v;
            }
        var text = new StringBuilder();
        text.Append("<?xml version=\"1.0\"?>\n<VTKFile type=\"PolyData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">\n<PolyData>\n");
        text.Append($"<Piece NumberOfPoints=\"{nx * ny}\" NumberOfVerts=\"0\" NumberOfLines=\"0\" NumberOfStrips=\"0\" NumberOfPolys=\"{(nx - 1) * (ny - 1)}\">\n");
        text.Append("<Points>\n<DataArray type=\"Float64\" NumberOfComponents=\"3\" format=\"ascii\">\n");
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++) text.Append($"{Number(s.X[i])} {Number(s.Y[j])} {Number(z[j * nx + i])}\n");
        text.Append("</DataArray>\n</Points>\n");
        text.Append($"<PointData Scalars=\"{quantity}\">\n<DataArray type=\"Float64\" Name=\"{quantity}\" NumberOfComponents=\"1\" format=\"ascii\">\n");
        foreach (double v in z) text.Append(Number(v)).Append('\n');
        text.Append("</DataArray>\n</PointData>\n<Polys>\n<DataArray type=\"Int64\" Name=\"connectivity\" format=\"ascii\">\n");
        for (int j = 0; j + 1 < ny; j++)
            for (int i = 0; i + 1 < nx; i++)
            {
                int k = j * nx + i;
                text.Append($"{k} {k + 1} {k + nx + 1} {k + nx}\n");
            }
        text.Append("</DataArray>\n<DataArray type=\"Int64\" Name=\"offsets\" format=\"ascii\">\n");
        for (int q = 1; q <= (nx - 1) * (ny - 1); q++) text.Append(4 * q).Append('\n');
        text.Append("</DataArray>\n</Polys>\n</Piece>\n</PolyData>\n</VTKFile>\n");
        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(text.ToString())));
    }

    static string Number(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "nan";
}
