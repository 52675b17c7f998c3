using Basin.Models;

namespace Basin.Tests.Models;

public class ModelSpecTests
{
    [Fact]
    public void Names_and_flat_order_follow_nn_sequential()
    {
        var net = ModelSpec.Build<float>("conv2d(1,8,3,padding=1),relu,maxpool2d(2),flatten,linear(1568,10)", [1, 28, 28]);
        var t = net.Layout.Tensors;
        Assert.Equal(["0.weight", "0.bias", "4.weight", "4.bias"], t.Select(x => x.Name));
        Assert.Equal([8, 1, 3, 3], t[0].Shape);
        Assert.Equal([10, 1568], t[2].Shape);
        Assert.Equal([0, 72, 80, 15760], t.Select(x => x.Offset));
        Assert.Equal(15770, net.ParameterCount);
    }

    [Fact]
    public void Presets_expand_to_plain_specs()
    {
        Assert.Equal("linear(784,100),relu,linear(100,10)", ModelSpec.Expand("mlp:784-100-10"));
        var lenet = ModelSpec.Build<float>("lenet", [1, 28, 28]);
        Assert.Equal(61706, lenet.ParameterCount);
    }

    [Theory]
    [InlineData("linear(784,100", "at position 15: expected ')' to close linear(")]
    [InlineData("linear(784,100) relu", "at position 17: expected ',' between layers")]
    [InlineData("linear(784,100),,relu", "at position 17: expected a layer name")]
    [InlineData("linear(784,x)", "expected a non-negative integer for out, found 'x'")]
    [InlineData("conv2d(1,8)", "expected argument 3 (kernel)")]
    [InlineData("linear(784,10,bias=maybe)", "expected true or false for bias")]
    [InlineData("linear(700,10)", "expects 700 inputs but receives 784")]
    [InlineData("conv2d(3,8,3)", "expects 3 input channels but receives 1")]
    [InlineData("conv2d(1,8,3),linear(10,2)", "add flatten before linear")]
    [InlineData("", "the spec is empty")]
    [InlineData("relu(2)", "takes at most 0 positional")]
    [InlineData("resnet20(in=1", "at position 14: expected ')' to close resnet20( at position 9, found end of spec")]
    public void Errors_name_the_position_and_what_was_expected(string spec, string message)
    {
        var e = Assert.Throws<BasinException>(() => ModelSpec.Build<float>(spec, [1, 28, 28]));
        Assert.Contains(message, e.Why);
    }
}
