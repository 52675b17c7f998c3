using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Basin.Engine;

namespace Basin.Models;

/// <summary>One tensor read from a safetensors file, widened to float64.</summary>
internal sealed record NamedTensor(string Name, string DType, int[] Shape, double[] Values)
{
    public string ShapeText => "[" + string.Join(",", Shape) + "]";
}

/// <summary>
/// The safetensors format (8-byte little-endian header length, a JSON header of dtype, shape and data_offsets
/// per tensor, then the raw little-endian data), with every field validated on read. F32 and F64.
/// </summary>
public static class SafeTensors
{
    const long MaxHeader = 100_000_000;

    internal static (IReadOnlyDictionary<string, NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BasinException(path, "file not found");
        }
        catch (UnauthorizedAccessException) { throw new BasinException(path, "cannot read the file (permission denied, or it is a directory)"); }
        return Parse(bytes, path);
    }

    internal static (IReadOnlyDictionary<string, NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Parse(byte[] bytes, string what)
    {
        const string hint = "expected a safetensors file (e.g. from safetensors.torch.save_file(model.state_dict(), ...))";
        if (bytes.Length < 8) throw new BasinException(what, $"not a safetensors file: only {bytes.Length} bytes", hint);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        if (headerLength <= 1 || headerLength > MaxHeader || headerLength > bytes.Length - 8)
            throw new BasinException(what, $"not a safetensors file: header length {headerLength} does not fit a {bytes.Length}-byte file", hint);
        JsonObject header;
        try
        {
            header = JsonValues.ParseStrict(Encoding.UTF8.GetString(bytes, 8, (int)headerLength)) as JsonObject
                ?? throw new BasinException(what, "safetensors header is not a JSON object", hint);
        }
        catch (JsonException e)
        {
            throw new BasinException(what, $"safetensors header is not valid JSON ({e.Message})", hint);
        }

        long dataStart = 8 + headerLength, dataLength = bytes.Length - dataStart;
        var tensors = new Dictionary<string, NamedTensor>();
        var metadata = new Dictionary<string, string>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                if (node is JsonObject meta)
                    foreach (var (k, v) in meta) metadata[k] = v?.ToString() ?? "";
                continue;
            }
            try
            {
                string dtype = node!["dtype"]!.GetValue<string>();
                int[] shape = node["shape"]!.AsArray().Select(d => checked((int)d!.GetValue<long>())).ToArray();
                var offsets = node["data_offsets"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                int size = dtype switch
                {
                    "F32" => 4,
                    "F64" or "I64" => 8,
                    _ => throw new BasinException(what, $"tensor '{name}' has dtype {dtype}; Basin reads F32 and F64 (and I64 counts)", "save with tensor.float() or tensor.double()"),
                };
                long count = 1;
                foreach (int d in shape)
                {
                    if (d < 0) throw new BasinException(what, $"tensor '{name}' has a negative dimension");
                    count *= d;
                }
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
                    throw new BasinException(what, $"tensor '{name}' data_offsets [{string.Join(",", offsets)}] lie outside the {dataLength}-byte data section", "the file is truncated or corrupt");
                if (offsets[1] - offsets[0] != count * size)
                    throw new BasinException(what, $"tensor '{name}' of shape [{string.Join(",", shape)}] {dtype} needs {count * size} bytes but its offsets span {offsets[1] - offsets[0]}", "the file is corrupt");
                var values = new double[count];
                var span = bytes.AsSpan((int)(dataStart + offsets[0]), (int)(count * size));
                if (size == 4)
                {
                    var f = MemoryMarshal.Cast<byte, float>(span);
                    for (int i = 0; i < f.Length; i++) values[i] = f[i];
                }
                else if (dtype == "I64")
                {
                    var l = MemoryMarshal.Cast<byte, long>(span);
                    for (int i = 0; i < l.Length; i++) values[i] = l[i];
                }
                else MemoryMarshal.Cast<byte, double>(span).CopyTo(values);
                RequireFinite(values, name, what);
                tensors[name] = new NamedTensor(name, dtype, shape, values);
            }
            catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or OverflowException)
            {
                throw new BasinException(what, $"tensor '{name}' has a malformed header entry (needs dtype, shape, data_offsets)", hint);
            }
        }
        return (tensors, metadata);
    }

    /// <summary>Refuses a tensor holding NaN or an infinity: no input file may carry one into a computation.</summary>
    static void RequireFinite<T>(ReadOnlySpan<T> values, string name, string what) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
            if (!T.IsFinite(values[i]))
                throw new BasinException(what, $"tensor '{name}' holds a non-finite value ({values[i]}) at flat index {i}",
                    "the weights diverged or the file is corrupt; use an earlier checkpoint");
    }

    /// <summary>
    /// Reads theta for a network: every layout key must be present with its exact shape, and no other, and every value
    /// finite in T (an F64 value beyond float's range is refused for a float32 model).
    /// </summary>
    public static T[] ReadTheta<T>(string path, ParameterLayout layout) where T : unmanaged, IFloatingPointIeee754<T> => ReadTheta<T>(path, layout, buffers: true);

    /// <summary>
    /// Reads parameter tensors only (a direction, or weights to take a difference with): buffer keys may be there or not,
    /// and the network's buffers are left as they are.
    /// </summary>
    public static T[] ReadParameters<T>(string path, ParameterLayout layout) where T : unmanaged, IFloatingPointIeee754<T> => ReadTheta<T>(path, layout, buffers: false);

    static T[] ReadTheta<T>(string path, ParameterLayout layout, bool buffers) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (tensors, _) = Read(path);
        var theta = new T[layout.Count];
        foreach (var t in layout.Tensors)
        {
            var found = Required(path, tensors, "tensor", t.Name, t.Shape, t.ShapeText,
                "keys are the model's state_dict names (layer index or module path, then .weight or .bias); does {model} match these weights?");
            for (int i = 0; i < t.Length; i++) theta[t.Offset + i] = T.CreateChecked(found.Values[i]);
            RequireFinite<T>(theta.AsSpan(t.Offset, t.Length), t.Name, path);
        }
        foreach (var name in tensors.Keys)
            if (layout.Find(name) is null && layout.Buffers.Find(name) is null)
                throw new BasinException(path, $"unexpected tensor '{name}': the model has no such parameter or buffer",
                    "model keys: " + string.Join(", ", layout.Tensors.Select(t => t.Name).Concat(layout.Buffers.Tensors.Select(b => b.Name))));
        if (buffers) ReadBuffers(path, tensors, layout.Buffers);
        return theta;
    }

    /// <summary>The file's tensor of this name and shape; missing or misshapen is an error naming the key and the shape expected.</summary>
    static NamedTensor Required(string path, IReadOnlyDictionary<string, NamedTensor> tensors, string kind, string name, int[] shape, string shapeText,
        string missingHint)
    {
        if (!tensors.TryGetValue(name, out var found))
            throw new BasinException(path, $"missing {kind} '{name}' (expected shape {shapeText})", missingHint);
        if (!found.Shape.SequenceEqual(shape))
            throw new BasinException(path, $"{kind} '{name}' has shape {found.ShapeText}, expected {shapeText}", "does {model} match these weights?");
        return found;
    }

    /// <summary>
    /// Loads the model's buffers (BatchNorm's running statistics) from the file's tensors into the network's state: every
    /// buffer must be there with its shape, a count as a whole number.
    /// </summary>
    static void ReadBuffers(string path, IReadOnlyDictionary<string, NamedTensor> tensors, ModelBuffers buffers)
    {
        foreach (var b in buffers.Tensors)
        {
            var found = Required(path, tensors, "buffer", b.Name, b.Shape, b.ShapeText,
                "BatchNorm's running_mean, running_var and num_batches_tracked are saved with the weights (model.state_dict())");
            if (b.IsCount)
            {
                double v = found.Values[0];
                if (v < 0 || v != Math.Floor(v)) throw new BasinException(path, $"buffer '{b.Name}' holds {v}, not a count");
                buffers.Counts[b.Offset] = (long)v;
            }
            else found.Values.CopyTo(buffers.Values, b.Offset);
        }
    }

    /// <summary>Writes theta under the layout's names, and the model's buffers unless told not to (a direction), as F32 or F64 by T, atomically.</summary>
    public static void Write<T>(string path, ParameterLayout layout, ReadOnlySpan<T> theta,
        IReadOnlyDictionary<string, string>? metadata = null, bool overwrite = true, bool buffers = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var tensors = new List<(string, string, int[], byte[])>();
        var copy = theta[..layout.Count].ToArray();
        foreach (var t in layout.Tensors) tensors.Add((t.Name, DType<T>(), t.Shape, MemoryMarshal.AsBytes(copy.AsSpan(t.Offset, t.Length)).ToArray()));
        if (buffers) AddBuffers<T>(tensors, layout.Buffers);
        WriteRaw(path, tensors, metadata, overwrite);
    }

    /// <summary>The buffers as the model's float type (values) and I64 (counts), after the parameters.</summary>
    static void AddBuffers<T>(List<(string, string, int[], byte[])> tensors, ModelBuffers buffers) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var b in buffers.Tensors)
            if (b.IsCount) tensors.Add((b.Name, "I64", b.Shape, BitConverter.GetBytes(buffers.Counts[b.Offset])));
            else
            {
                var values = buffers.Values.AsSpan(b.Offset, b.Length);
                var converted = new T[values.Length];
                for (int i = 0; i < values.Length; i++) converted[i] = T.CreateChecked(values[i]);
                tensors.Add((b.Name, DType<T>(), b.Shape, MemoryMarshal.AsBytes(converted.AsSpan()).ToArray()));
            }
    }

    static string DType<T>() => typeof(T) == typeof(float) ? "F32" : "F64";

    /// <summary>Writes named tensors (row-major values with their shapes) as F32 or F64 by T, atomically.</summary>
    public static void WriteTensors<T>(string path, IReadOnlyList<(string Name, int[] Shape, ReadOnlyMemory<T> Values)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, bool overwrite = true) where T : unmanaged, IFloatingPointIeee754<T> =>
        WriteRaw(path, tensors.Select(t => (t.Name, DType<T>(), t.Shape, MemoryMarshal.AsBytes(t.Values.Span).ToArray())).ToList(), metadata, overwrite);

    /// <summary>Writes tensors given as (name, dtype, shape, little-endian bytes), atomically.</summary>
    static void WriteRaw(string path, IReadOnlyList<(string Name, string DType, int[] Shape, byte[] Bytes)> tensors,
        IReadOnlyDictionary<string, string>? metadata, bool overwrite)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var (name, dtype, shape, data) in tensors)
        {
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + data.Length),
            };
            offset += data.Length;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        var bytes = new byte[8 + padded + offset];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, padded);
        json.CopyTo(bytes, 8);
        for (int i = json.Length; i < padded; i++) bytes[8 + i] = (byte)' ';
        long at = 8 + padded;
        foreach (var (_, _, _, data) in tensors)
        {
            data.CopyTo(bytes.AsSpan((int)at));
            at += data.Length;
        }
        AtomicFile.Write(path, s => s.Write(bytes), overwrite);
    }
}
