using System.Buffers.Binary;
using System.Text;
using Basin.Models;

namespace Basin.Tests.Models;

public class SafeTensorsTests
{
    static string Temp() => Path.Combine(TestPaths.Root, $"basin-st-{Guid.NewGuid():N}.safetensors");

    [Fact]
    public void Round_trips_float32_and_float64_and_converts_between_them()
    {
        var net = ModelSpec.Build<double>("linear(3,2),tanh,linear(2,1)", [3]);
        var theta = TestNets.RandomVector<double>(net.ParameterCount, 1);
        string path = Temp();
        SafeTensors.Write<double>(path, net.Layout, theta);
        Assert.Equal(theta, SafeTensors.ReadTheta<double>(path, net.Layout));
        var asFloat = SafeTensors.ReadTheta<float>(path, net.Layout);
        Assert.Equal(theta.Select(x => (float)x), asFloat);
        SafeTensors.Write<float>(path, net.Layout, asFloat);
        var (tensors, _) = SafeTensors.Read(path);
        Assert.Equal("F32", tensors["0.weight"].DType);
        Assert.Equal([2, 3], tensors["0.weight"].Shape);
    }

    static byte[] File(string header, int dataBytes)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, h.Length);
        h.CopyTo(bytes, 8);
        return bytes;
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}", 12, "needs 8 bytes but its offsets span 12")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "lie outside the 4-byte data section")]
    [InlineData("{\"a\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "dtype I32")]
    [InlineData("{\"a\":{\"dtype\":\"F32\"}}", 0, "malformed header entry")]
    [InlineData("{not json", 0, "not valid JSON")]
    // Repeated keys, found by AFL: at the top and inside an entry.
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},\"a\":{}}", 4, "Duplicate")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"shape\":[],\"data_offsets\":[0,4]}}", 4, "Duplicate")]
    public void Corrupt_headers_are_refused_with_the_reason(string header, int dataBytes, string message)
    {
        var e = Assert.Throws<BasinException>(() => SafeTensors.Parse(File(header, dataBytes), "f"));
        Assert.Contains(message, e.Why);
    }

    [Fact]
    public void Header_length_beyond_the_file_is_refused()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, 1000);
        Assert.Contains("header length 1000", Assert.Throws<BasinException>(() => SafeTensors.Parse(bytes, "f")).Why);
    }

    [Fact]
    public void Missing_and_unexpected_keys_are_named()
    {
        var small = ModelSpec.Build<float>("linear(3,2)", [3]);
        var big = ModelSpec.Build<float>("linear(3,2),relu,linear(2,1)", [3]);
        string path = Temp();
        SafeTensors.Write<float>(path, small.Layout, new float[small.ParameterCount]);
        Assert.Contains("missing tensor '2.weight' (expected shape [1,2])",
            Assert.Throws<BasinException>(() => SafeTensors.ReadTheta<float>(path, big.Layout)).Why);
        SafeTensors.Write<float>(path, big.Layout, new float[big.ParameterCount]);
        Assert.Contains("unexpected tensor '2.weight'",
            Assert.Throws<BasinException>(() => SafeTensors.ReadTheta<float>(path, small.Layout)).Why);
    }
}
