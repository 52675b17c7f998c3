using Basin.Engine;
using PureHDF;

namespace Basin.Landscape;

/// <summary>
/// loss-landscape's HDF5 direction files (net_plotter.py's write_list / read_list): a group per direction
/// (<c>xdirection</c>, <c>ydirection</c>) holding one dataset per parameter tensor, named 0, 1, ... in
/// <c>model.parameters()</c> order, with the tensor's shape (its <c>dir_type weights</c>); other datasets beside them
/// (a PCA's <c>explained_variance_ratio_</c>, a trajectory's <c>proj_xcoord</c>) as the caller gives them.
/// </summary>
internal static class DirectionFile
{
    /// <summary>Whether a direction argument names an HDF5 file rather than safetensors.</summary>
    public static bool IsHdf5(string path) => path.EndsWith(".h5", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".hdf5", StringComparison.OrdinalIgnoreCase);

    public static void Write(string path, ParameterLayout layout, IReadOnlyList<(string Group, double[] Direction)> directions,
        IReadOnlyDictionary<string, double[]>? datasets = null)
    {
        var file = new H5File();
        foreach (var (name, direction) in directions)
        {
            if (direction.Length != layout.Count) throw new ArgumentException($"{name} has {direction.Length} values, the model {layout.Count}");
            var group = new H5Group();
            for (int t = 0; t < layout.Tensors.Count; t++)
            {
                var tensor = layout.Tensors[t];
                group[t.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new H5Dataset(direction.AsSpan(tensor.Offset, tensor.Length).ToArray(),
                    fileDims: tensor.Shape.Length == 0 ? [] : tensor.Shape.Select(d => (ulong)d).ToArray());
            }
            file[name] = group;
        }
        foreach (var (name, values) in datasets ?? new Dictionary<string, double[]>()) file[name] = values;
        Models.AtomicFile.Write(path, stream => file.Write(stream));
    }

    /// <summary>loss-landscape's projection file of a trajectory (plot_trajectory.py): proj_xcoord and proj_ycoord of every point.</summary>
    public static void WriteProjections(string path, IReadOnlyList<double[]> points)
    {
        var file = new H5File { ["proj_xcoord"] = points.Select(p => p[0]).ToArray(), ["proj_ycoord"] = points.Select(p => p[1]).ToArray() };
        Models.AtomicFile.Write(path, stream => file.Write(stream));
    }

    public static List<(double X, double Y)> ReadProjections(string path)
    {
        try
        {
            using var f = H5File.OpenRead(path);
            return [.. f.Dataset("proj_xcoord").Read<double[]>().Zip(f.Dataset("proj_ycoord").Read<double[]>())];
        }
        catch (Exception e) when (e is not BasinException)
        {
            throw new BasinException(path, $"not a projection file with proj_xcoord and proj_ycoord ({e.Message})");
        }
    }

    /// <summary>The direction in <paramref name="group"/> as a flat vector in theta's order, checked against the model's tensors.</summary>
    public static T[] Read<T>(string path, string group, ParameterLayout layout) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        PureHDF.VOL.Native.NativeFile file;
        try { file = H5File.OpenRead(path); }
        catch (Exception e) when (e is not BasinException)
        {
            throw new BasinException(path, File.Exists(path) ? $"not an HDF5 file ({e.Message})" : "file not found");
        }
        using (file)
        {
            if (!file.LinkExists(group))
                throw new BasinException(path, $"has no group {group}", "a loss-landscape direction file holds xdirection (and ydirection)");
            var g = file.Group(group);
            int count = g.Children().Count();
            if (count != layout.Tensors.Count)
                throw new BasinException(path, $"{group} holds {count} tensors but the model has {layout.Tensors.Count} parameter tensors",
                    count > layout.Tensors.Count ? "write it with loss-landscape's dir_type weights (its states type adds the BatchNorm buffers)" : "is it the same model?");
            var theta = new T[layout.Count];
            for (int t = 0; t < count; t++)
            {
                var tensor = layout.Tensors[t];
                var ds = g.Dataset(t.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var shape = ds.Space.Dimensions.Select(d => (int)d).ToArray();
                if (!shape.SequenceEqual(tensor.Shape))
                    throw new BasinException(path, $"{group}/{t} has shape [{string.Join(",", shape)}] but {tensor.Name} is [{string.Join(",", tensor.Shape)}]", "is it the same model?");
                var values = ds.Type.Size == 4 ? ds.Read<float[]>().Select(v => (double)v).ToArray() : ds.Read<double[]>();
                for (int i = 0; i < tensor.Length; i++)
                {
                    if (!double.IsFinite(values[i])) throw new BasinException(path, $"{group}/{t} ({tensor.Name}) holds a non-finite value");
                    theta[tensor.Offset + i] = T.CreateChecked(values[i]);
                }
            }
            return theta;
        }
    }
}
