using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Basin.Data;
using Basin.Landscape;
using Basin.Models;
using CsCheck;
using Basin.Training;

namespace Basin.Tests.Models;

/// <summary>
/// Every parser of user input (safetensors, IDX, CIFAR-10, CSV, model spec, range syntax, model.json) against generated
/// input, valid files mutated and structured nonsense alike: each input either parses or is refused with a
/// BasinException (what the command line prints as one line and exit code 2), never another exception, and never
/// allocates more than <see cref="Bound"/> for its size. About 1.2 x 10^5 inputs a run, from a new seed each run
/// (CsCheck prints the seed of a failure so it can be replayed).
/// </summary>
public class ParserPropertyTests
{
    const int Inputs = 17_000;

    /// <summary>The most a parse may allocate: 512 kB of fixed buffers plus 64 bytes per input byte.</summary>
    static long Bound(long inputBytes) => (512 << 10) + 64 * inputBytes;

    static void ParsesOrRefuses(long inputBytes, Action parse)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        try { parse(); }
        catch (BasinException e) { Assert.False(string.IsNullOrWhiteSpace(e.Why)); }
        long used = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(used <= Bound(inputBytes), $"allocated {used} bytes for {inputBytes} bytes of input");
    }

    /// <summary>1 to 4 random edits of one of the seeds: bytes overwritten, ranges cut, inserted or repeated, the end cut off.</summary>
    static Gen<byte[]> Mutated(params byte[][] seeds) => Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int, (k, seed) =>
    {
        var random = new Random(seed);
        var bytes = new List<byte>(seeds[k]);
        for (int edits = random.Next(1, 5); edits > 0; edits--)
        {
            int at = random.Next(bytes.Count + 1), length = random.Next(1, 9);
            switch (random.Next(6))
            {
                case 0 when at < bytes.Count: bytes[at] = (byte)random.Next(256); break;
                case 1 when at < bytes.Count: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 2: bytes.RemoveRange(at, Math.Min(length, bytes.Count - at)); break;
                case 3: bytes.InsertRange(at, Enumerable.Range(0, length).Select(_ => (byte)random.Next(256))); break;
                case 4: bytes.RemoveRange(at, bytes.Count - at); break;
                default: bytes.InsertRange(at, bytes.Skip(at).Take(length).ToArray()); break;
            }
        }
        return bytes.ToArray();
    });

    static Gen<string> Tokens(string[] tokens, int most) =>
        Gen.Int[0, tokens.Length - 1].Array[0, most].Select(picks => string.Concat(picks.Select(i => tokens[i])));

    static byte[] SafeTensorsFile(string name, params (string Name, int[] Shape)[] tensors)
    {
        string path = Path.Combine(TestPaths.NewDirectory("prop-st"), name);
        SafeTensors.WriteTensors(path, tensors.Select(t => (t.Name, t.Shape, (ReadOnlyMemory<float>)Enumerable.Range(0, t.Shape.Aggregate(1, (a, b) => a * b))
            .Select(i => i * 0.25f - 1).ToArray())).ToList(), new Dictionary<string, string> { ["step"] = "3" });
        return File.ReadAllBytes(path);
    }

    /// <summary>A header of random entries (valid and broken dtypes, shapes, offsets) over a data section of random length.</summary>
    static readonly Gen<byte[]> SafeTensorsHeaders = Gen.Select(Gen.Int[0, 3].Array[1, 4], Gen.Int[-3, 70].Array[0, 4], Gen.Long[-5, 200].Array[0, 3],
        Gen.Int[0, 160], Gen.Int[0, 3], (dtypes, shape, offsets, data, extra) =>
    {
        string[] kinds = ["\"F32\"", "\"F64\"", "\"I64\"", "7"];
        var header = new StringBuilder("{");
        if (extra == 1) header.Append("\"__metadata__\":{\"a\":\"b\",\"n\":1},");
        // extra == 2 repeats a key inside the first entry, 3 repeats the first entry's name.
        for (int i = 0; i < dtypes.Length; i++)
            header.Append($"\"t{(extra == 3 && i == 1 ? 0 : i)}\":{{\"dtype\":{kinds[dtypes[i]]},{(extra == 2 && i == 0 ? "\"shape\":[1]," : "")}\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{string.Join(",", offsets)}]}}{(i + 1 < dtypes.Length ? "," : "")}");
        var json = Encoding.UTF8.GetBytes(header.Append('}').ToString());
        var bytes = new byte[8 + json.Length + data];
        BitConverter.TryWriteBytes(bytes, (long)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    });

    [Fact]
    public void Safetensors_files_parse_or_are_refused()
    {
        var valid = SafeTensorsFile("a.safetensors", ("0.weight", [3, 2]), ("0.bias", [3]));
        var scalar = SafeTensorsFile("b.safetensors", ("x", []), ("y", [0, 4]));
        Gen.OneOf(Mutated(valid, scalar), SafeTensorsHeaders, Gen.Byte.Array[0, 64]).Sample(bytes =>
            ParsesOrRefuses(bytes.Length, () => SafeTensors.Parse(bytes, "input")), iter: Inputs);
    }

    static byte[] IdxFile(int[] dims, bool gzip)
    {
        var bytes = new List<byte> { 0, 0, 8, (byte)dims.Length };
        foreach (int d in dims) bytes.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        bytes.AddRange(Enumerable.Range(0, dims.Aggregate(1, (a, b) => a * b)).Select(i => (byte)(i * 7)));
        if (!gzip) return bytes.ToArray();
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(bytes.ToArray());
        return ms.ToArray();
    }

    [Fact]
    public void Idx_files_parse_or_are_refused()
    {
        byte[][] seeds = [IdxFile([3, 4, 5], false), IdxFile([3, 4, 5], true), IdxFile([6], false), IdxFile([6], true)];
        // Headers that promise far more than the file holds must not be believed.
        var liars = Gen.Select(Gen.Int[1, 4], Gen.Int.Array[4], Gen.Int[0, 40], (rank, dims, data) =>
            IdxFile([], false).Take(3).Append((byte)rank).Concat(dims.Take(rank).SelectMany(d => new[] { (byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d }))
                .Concat(new byte[data]).ToArray());
        Gen.OneOf(Mutated(seeds), liars, Gen.Byte.Array[0, 40]).Sample(bytes =>
            ParsesOrRefuses(bytes.Length, () =>
            {
                var images = Idx.Read(new MemoryStream(bytes), "images");
                Idx.ToDataSet("idx", images, Idx.Read(new MemoryStream(IdxFile([Math.Min(images.Dims[0], 64)], false)), "labels"), "input");
            }), iter: Inputs);
    }

    [Fact]
    public void Cifar_batches_parse_or_are_refused()
    {
        var record = new byte[Cifar10.RecordSize];
        record[0] = 7;
        Gen.OneOf(Mutated(record, [.. record, .. record]), Gen.Byte.Array[0, 40]).Sample(bytes =>
            ParsesOrRefuses(bytes.Length, () => Cifar10.Records(bytes, "input", [])), iter: Inputs);
    }

    [Fact]
    public void Csv_files_parse_or_are_refused()
    {
        var text = Tokens(["0", "1", "2.5", "-3", "1e3", "1e999", "nan", "inf", ",", ",", ",", "\n", "\n", "\r\n", "\"", " ", "x", "label", ""], 40);
        Gen.OneOf(text, Gen.String[0, 30]).Sample(csv =>
            ParsesOrRefuses(2 * csv.Length, () =>
            {
                var data = Csv.Parse(csv, "input.csv", csv.Length % 3 == 0 ? "label" : null);
                Assert.All(data.Values(), x => Assert.True(float.IsFinite(x)));
            }), iter: Inputs);
    }

    [Fact]
    public void Model_specs_parse_or_are_refused()
    {
        var spec = Tokens(["linear", "conv2d", "relu", "tanh", "poly", "maxpool2d", "avgpool2d", "flatten", "leakyrelu", "lenet", "mlp:", "relux",
            "(", ")", ",", ",", "=", "bias", "stride", "padding", "false", "1", "2", "3", "10", "784", "-1", "0", "0.5", "1e9", "99999999999", " ", "-"], 24);
        int[][] shapes = [[784], [1, 28, 28], [3, 8, 8], [2]];
        Gen.Select(spec, Gen.Int[0, shapes.Length - 1]).Sample((text, shape) =>
            ParsesOrRefuses(2 * text.Length, () => ModelSpec.Build<float>(text, shapes[shape])), iter: Inputs);
    }

    [Fact]
    public void Ranges_parse_or_are_refused()
    {
        var range = Tokens(["-1", "1", "0", "2.5", "1e308", "1e309", "-", ":", ":", "21", "0x10", "nan", "inf", " ", "3000000000", "e"], 8);
        Gen.OneOf(range, Gen.String[0, 12]).Sample(text =>
            ParsesOrRefuses(2 * text.Length, () =>
            {
                var axis = Axis.Parse(text, "--xrange");
                Assert.True(double.IsFinite(axis.Min) && double.IsFinite(axis.Max) && axis.Count >= 1);
            }), iter: Inputs);
    }

    [Fact]
    public void Model_json_files_parse_or_are_refused()
    {
        var valid = JsonNode.Parse(new RunConfig { Model = "mlp:784-100-10", Data = "spirals", Epochs = 3 }.ToJson())!.AsObject();
        var keys = RunConfig.Keys.Append("unknown").ToArray();
        JsonNode?[] values = [null, 0, -1, 1.5, 1e300, "x", "sgd", true, new JsonArray(1, 2), new JsonObject { ["a"] = 1 }, 18446744073709551615UL, -1e20];
        var edits = Gen.Select(Gen.Int[0, keys.Length - 1], Gen.Int[0, values.Length], Gen.Int[0, 2]).Array[1, 4];
        var json = edits.Select(list =>
        {
            var o = valid.DeepClone().AsObject();
            foreach (var (key, value, kind) in list)
                if (kind == 0) o.Remove(keys[key]);
                else o[keys[key]] = value < values.Length ? values[value]?.DeepClone() : new JsonArray();
            return o.ToJsonString();
        });
        Gen.OneOf(json, Mutated(Encoding.UTF8.GetBytes(valid.ToJsonString())).Select(Encoding.UTF8.GetString)).Sample(text =>
            ParsesOrRefuses(2 * text.Length, () => RunConfig.FromJson(text, "model.json").Validate()), iter: Inputs);
    }
}
