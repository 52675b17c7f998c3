using System.Numerics;
using System.Globalization;
using Basin.Engine;
using Basin.Engine.Layers;

namespace Basin.Models;

/// <summary>
/// Parses the model spec grammar (a tree of layers, sequences and residual blocks; see <see cref="SpecParser"/>) and
/// builds networks from it. Tensor names are the state_dict names of the equivalent PyTorch module tree.
/// </summary>
public static class ModelSpec
{
    internal const string Grammar =
        "layers: linear(in,out[,bias=false]), conv2d(in,out,k[,stride=1][,padding=0][,bias=true]), batchnorm1d(c), batchnorm2d(c), " +
        "relu, leakyrelu(a), tanh, sigmoid, softplus, identity, square, poly(c0,c1,...), maxpool2d(k[,stride=k][,ceil_mode=false]), " +
        "avgpool2d(k[,stride=k][,ceil_mode=false]), globalavgpool, flatten; nesting: name:layer, [a,b,...], " +
        "residual(main...[,shortcut=[...]][,after=relu]); presets: " + Presets.Names;

    internal static readonly string[] Known =
        ["linear", "conv2d", "batchnorm1d", "batchnorm2d", "relu", "leakyrelu", "tanh", "sigmoid", "softplus", "identity", "square", "poly",
         "maxpool2d", "avgpool2d", "globalavgpool", "flatten"];

    /// <summary>Expands presets (<c>mlp:784-100-10</c>, <c>lenet</c>, <c>resnet20</c>, ...) into a plain spec; the zoo takes its channels from the input shape.</summary>
    public static string Expand(string spec, int[]? inputShape = null) => Presets.Expand(spec.Trim(), inputShape) ?? spec.Trim();

    internal static IReadOnlyList<ModuleSpec> Parse(string spec, int[]? inputShape = null) => SpecParser.Parse(Expand(spec, inputShape));

    /// <summary>Builds the network for examples of the given shape ([features] or [C,H,W]).</summary>
    public static Network<T> Build<T>(string spec, int[] inputShape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int[] shape = inputShape;
        var layers = Layers<T>(Parse(spec, inputShape), ref shape, "", 0, top: true);
        try
        {
            return new Network<T>([.. layers], inputShape) { Source = spec.Trim() };
        }
        catch (OverflowException)
        {
            throw new BasinException("model spec", "the model has more than 2^31 - 1 parameters, past what Basin indexes", "use a smaller model");
        }
    }

    /// <summary>
    /// The layers of a sequence, nested sequences flattened in place with their names as prefixes (<c>layer1.0</c>);
    /// unnamed items are named by their index in their own sequence, from <paramref name="firstIndex"/>.
    /// </summary>
    static List<Layer<T>> Layers<T>(IReadOnlyList<ModuleSpec> items, ref int[] shape, string prefix, int firstIndex, bool top)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var layers = new List<Layer<T>>();
        for (int k = 0; k < items.Count; k++)
        {
            var item = items[k];
            string name = item.Name ?? (firstIndex + k).ToString(CultureInfo.InvariantCulture);
            string path = prefix.Length == 0 ? name : prefix + "." + name;
            switch (item)
            {
                case SequenceSpec sequence:
                    layers.AddRange(Layers<T>(sequence.Items, ref shape, path, 0, top && layers.Count == 0));
                    continue;
                case ResidualSpec residual:
                    layers.Add(Residual<T>(residual, ref shape));
                    break;
                case LayerSpec l:
                    layers.Add(Leaf<T>(l, shape, top && layers.Count == 0));
                    break;
            }
            layers[^1].Name = path;
            shape = layers[^1].OutputShape;
        }
        return layers;
    }

    static Residual<T> Residual<T>(ResidualSpec r, ref int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int[] input = shape, mainShape = shape, shortcutShape = shape;
        var main = new Sequential<T>(input, [.. Layers<T>(r.Main, ref mainShape, "", 0, top: false)]);
        var shortcut = new Sequential<T>(input, [.. Layers<T>(r.Shortcut, ref shortcutShape, "", 0, top: false)]);
        if (!mainShape.SequenceEqual(shortcutShape))
            throw new BasinException("model spec", $"residual at position {r.Position}: the main branch gives {ShapeText(mainShape)} but the shortcut gives " +
                $"{ShapeText(shortcutShape)}; they are summed", "give the shortcut a conv2d(in,out,1,stride=s) (and a batchnorm2d) where the shape changes");
        int[] afterShape = mainShape;
        var after = new Sequential<T>(mainShape, [.. Layers<T>(r.After, ref afterShape, "", r.Main.Count, top: false)]);
        shape = afterShape;
        return new Residual<T>(input, main, shortcut, after);
    }

    static string ShapeText(int[] shape) => "[" + string.Join(",", shape) + "]";

    /// <summary>One leaf layer; its products of shapes are checked (past int's range they throw, reported here).</summary>
    static Layer<T> Leaf<T>(LayerSpec l, int[] shape, bool first) where T : unmanaged, IFloatingPointIeee754<T>
    {
        try
        {
            var layer = Create<T>(l, shape, first);
            _ = layer.OutputSize + layer.ParameterCount;
            return layer;
        }
        catch (OverflowException)
        {
            throw l.Error("its parameters or outputs number more than 2^31 - 1, past what Basin indexes");
        }
    }

    static Layer<T> Create<T>(LayerSpec l, int[] shape, bool first) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string shapeText = "[" + string.Join(",", shape) + "]";
        int size = Layer<T>.Product(shape);
        switch (l.Kind)
        {
            case "linear":
            {
                l.Expect(2, "bias");
                int @in = l.Int(0, "in"), @out = l.Int(1, "out");
                if (@out == 0) throw l.Error("out must be positive");
                if (shape.Length != 1 && !first)
                    throw l.Error($"input has shape {shapeText}; add flatten before linear");
                if (size != @in) throw l.Error($"expects {@in} inputs but receives {size} (shape {shapeText})");
                return new Engine.Layers.Linear<T>(shape, @in, @out, l.Flag("bias", true));
            }
            case "conv2d":
            {
                l.Expect(5, "stride", "padding", "bias");
                int @in = l.Int(0, "in"), @out = l.Int(1, "out"), k = l.Int(2, "kernel");
                int stride = l.Int(3, "stride", 1), padding = l.Int(4, "padding", 0);
                if (@out == 0 || k == 0 || stride == 0) throw l.Error("out, kernel and stride must be positive");
                if (shape.Length != 3) throw l.Error($"needs a [C,H,W] input, receives {shapeText}");
                if (shape[0] != @in) throw l.Error($"expects {@in} input channels but receives {shape[0]} (shape {shapeText})");
                if (shape[1] + 2 * padding < k || shape[2] + 2 * padding < k)
                    throw l.Error($"kernel {k} is larger than the padded input {shapeText}");
                return new Conv2d<T>(shape, @in, @out, k, stride, padding, l.Flag("bias", true));
            }
            case "maxpool2d" or "avgpool2d":
            {
                l.Expect(2, "stride", "ceil_mode");
                int k = l.Int(0, "kernel");
                int stride = l.Int(1, "stride", k);
                bool ceil = l.Flag("ceil_mode", false);
                if (k == 0 || stride == 0) throw l.Error("kernel and stride must be positive");
                if (shape.Length != 3) throw l.Error($"needs a [C,H,W] input, receives {shapeText}");
                if (shape[1] < k || shape[2] < k) throw l.Error($"kernel {k} is larger than the input {shapeText}");
                return l.Kind == "maxpool2d" ? new MaxPool2d<T>(shape, k, stride, ceil) : new AvgPool2d<T>(shape, k, stride, ceil);
            }
            case "globalavgpool":
                l.Expect(0);
                if (shape.Length != 3) throw l.Error($"needs a [C,H,W] input, receives {shapeText}");
                return AvgPool2d<T>.Global(shape);
            case "batchnorm1d" or "batchnorm2d":
            {
                l.Expect(1, "eps", "momentum", "affine");
                int c = l.Int(0, "channels");
                bool image = l.Kind == "batchnorm2d";
                if (image ? shape.Length != 3 : shape.Length != 1)
                    throw l.Error($"needs a {(image ? "[C,H,W]" : "[C]")} input, receives {shapeText}");
                if (shape[0] != c) throw l.Error($"expects {c} channels but receives {shape[0]} (shape {shapeText})");
                double eps = l.Real("eps", 1e-5), momentum = l.Real("momentum", 0.1);
                if (eps <= 0 || momentum < 0 || momentum > 1) throw l.Error("eps must be positive and momentum in [0, 1]");
                return new BatchNorm<T>(shape, eps, momentum, l.Flag("affine", true));
            }
            case "flatten":
                l.Expect(0);
                return new Flatten<T>(shape);
        }
        return new Activation<T>(shape, CreateActivation<T>(l));
    }

    static IActivation<T> CreateActivation<T>(LayerSpec l) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (l.Kind)
        {
            case "leakyrelu":
                l.Expect(1);
                return new LeakyRelu<T>(T.CreateChecked(l.Args.Count > 0 ? l.Number(0) : 0.01));
            case "poly":
            {
                l.Expect(int.MaxValue);
                if (l.Args.Count == 0) throw l.Error("needs at least one coefficient c0");
                var c = new T[l.Args.Count];
                for (int i = 0; i < c.Length; i++) c[i] = T.CreateChecked(l.Number(i));
                return new Polynomial<T>(l.ToString(), c);
            }
        }
        l.Expect(0);
        return l.Kind switch
        {
            "relu" => new Relu<T>(),
            "tanh" => new Tanh<T>(),
            "sigmoid" => new Sigmoid<T>(),
            "softplus" => new Softplus<T>(),
            "identity" => new Polynomial<T>("identity", [T.Zero, T.One]),
            "square" => new Polynomial<T>("square", [T.Zero, T.Zero, T.One]),
            _ => throw l.Error("unknown layer"),
        };
    }
}
