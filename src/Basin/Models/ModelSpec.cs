using System.Numerics;
using System.Text;
using Basin.Engine;
using Basin.Engine.Layers;

namespace Basin.Models;

/// <summary>
/// Parses the model spec grammar of DESIGN.md (a comma-separated nn.Sequential) and builds networks from it.
/// </summary>
public static class ModelSpec
{
    internal const string Grammar =
        "layers: linear(in,out[,bias=false]), conv2d(in,out,k[,stride=1][,padding=0][,bias=true]), relu, leakyrelu(a), " +
        "tanh, sigmoid, softplus, identity, square, poly(c0,c1,...), maxpool2d(k[,stride=k]), avgpool2d(k[,stride=k]), flatten; " +
        "presets: mlp:784-100-10, lenet";

    static readonly string[] Known =
        ["linear", "conv2d", "relu", "leakyrelu", "tanh", "sigmoid", "softplus", "identity", "square", "poly", "maxpool2d", "avgpool2d", "flatten"];

    /// <summary>Expands presets (<c>mlp:784-100-10</c>, <c>lenet</c>) into a plain spec.</summary>
    public static string Expand(string spec)
    {
        string s = spec.Trim();
        if (s.StartsWith("mlp:", StringComparison.OrdinalIgnoreCase))
        {
            var parts = s[4..].Split('-');
            var widths = new List<int>();
            foreach (var p in parts)
                if (int.TryParse(p, out int w) && w > 0) widths.Add(w);
                else throw new BasinException("model spec", $"preset '{s}': '{p}' is not a positive width", "write mlp:IN-HIDDEN-...-OUT, e.g. mlp:784-100-10");
            if (widths.Count < 2) throw new BasinException("model spec", $"preset '{s}' needs at least an input and an output width", "e.g. mlp:784-100-10");
            var sb = new StringBuilder();
            for (int i = 0; i + 1 < widths.Count; i++)
            {
                if (i > 0) sb.Append(",relu,");
                sb.Append($"linear({widths[i]},{widths[i + 1]})");
            }
            return sb.ToString();
        }
        if (s.Equals("lenet", StringComparison.OrdinalIgnoreCase))
            return "conv2d(1,6,5,padding=2),relu,maxpool2d(2),conv2d(6,16,5),relu,maxpool2d(2),flatten," +
                   "linear(400,120),relu,linear(120,84),relu,linear(84,10)";
        return s;
    }

    internal static IReadOnlyList<LayerSpec> Parse(string spec)
    {
        string s = Expand(spec);
        var layers = new List<LayerSpec>();
        int i = 0;
        BasinException Fail(int at, string why) => new("model spec", $"at position {at + 1}: {why}", Grammar);
        string Found(int at) => at >= s.Length ? "end of spec" : $"'{s[at]}'";
        void SkipSpace() { while (i < s.Length && char.IsWhiteSpace(s[i])) i++; }

        if (s.Length == 0) throw Fail(0, "the spec is empty");
        while (true)
        {
            SkipSpace();
            int start = i;
            while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] == '_')) i++;
            if (i == start) throw Fail(i, $"expected a layer name, found {Found(i)}");
            string kind = s[start..i].ToLowerInvariant();
            if (!Known.Contains(kind)) throw Fail(start, $"unknown layer '{s[start..i]}'");
            var args = new List<string>();
            var named = new Dictionary<string, string>();
            SkipSpace();
            if (i < s.Length && s[i] == '(')
            {
                i++;
                while (true)
                {
                    SkipSpace();
                    int a = i;
                    while (i < s.Length && s[i] != ',' && s[i] != ')' && s[i] != '(') i++;
                    if (i >= s.Length) throw Fail(i, $"expected ')' to close {kind}(, found end of spec");
                    if (s[i] == '(') throw Fail(i, $"expected ',' or ')' in the arguments of {kind}, found '('");
                    string arg = s[a..i].Trim();
                    if (arg.Length == 0) throw Fail(a, $"expected an argument of {kind}, found {Found(i)}");
                    int eq = arg.IndexOf('=');
                    if (eq >= 0) named[arg[..eq].Trim().ToLowerInvariant()] = arg[(eq + 1)..].Trim();
                    else if (named.Count > 0) throw Fail(a, $"positional argument '{arg}' after a named one in {kind}");
                    else args.Add(arg);
                    if (s[i] == ')') { i++; break; }
                    i++;
                }
            }
            layers.Add(new LayerSpec(kind, args, named, start + 1));
            SkipSpace();
            if (i >= s.Length) break;
            if (s[i] != ',') throw Fail(i, $"expected ',' between layers, found {Found(i)}");
            i++;
        }
        return layers;
    }

    /// <summary>Builds the network for examples of the given shape ([features] or [C,H,W]).</summary>
    public static Network<T> Build<T>(string spec, int[] inputShape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var layers = new List<Layer<T>>();
        int[] shape = inputShape;
        foreach (var l in Parse(spec))
        {
            Layer<T> layer;
            try
            {
                layer = Create<T>(l, shape, layers.Count == 0);
                // Both are checked products of the shapes: past int's range they throw.
                _ = layer.OutputSize + layer.ParameterCount;
            }
            catch (OverflowException)
            {
                throw l.Error("its parameters or outputs number more than 2^31 - 1, past what Basin indexes");
            }
            layers.Add(layer);
            shape = layer.OutputShape;
        }
        try
        {
            return new Network<T>([.. layers], inputShape);
        }
        catch (OverflowException)
        {
            throw new BasinException("model spec", "the model has more than 2^31 - 1 parameters, past what Basin indexes", "use a smaller model");
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
                l.Expect(2, "stride");
                int k = l.Int(0, "kernel");
                int stride = l.Int(1, "stride", k);
                if (k == 0 || stride == 0) throw l.Error("kernel and stride must be positive");
                if (shape.Length != 3) throw l.Error($"needs a [C,H,W] input, receives {shapeText}");
                if (shape[1] < k || shape[2] < k) throw l.Error($"kernel {k} is larger than the input {shapeText}");
                return l.Kind == "maxpool2d" ? new MaxPool2d<T>(shape, k, stride) : new AvgPool2d<T>(shape, k, stride);
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
