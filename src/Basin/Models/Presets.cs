using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Basin.Models;

/// <summary>
/// Named models that expand to a spec: <c>mlp:784-100-10</c>, <c>lenet</c>, and loss-landscape's CIFAR-10 zoo with its
/// module names, so its state_dicts load unchanged: <c>resnet20/56/110</c> (and any depth 6n + 2), their
/// <c>_noshort</c> twins, <c>wrn56_2</c> (width x2, also _4, _8) and <c>vgg9</c>. The zoo takes options
/// <c>(in=C, classes=K)</c>, the ResNets also <c>width=W</c> (first stage's channels, 16 by default: a narrow net for a
/// quick study); without <c>in</c> the data's channels are used. Global average pooling ends the ResNets,
/// so 28x28 inputs work as well as 32x32 (where it equals loss-landscape's avg_pool2d(8)).
/// </summary>
internal static partial class Presets
{
    public const string Names = "mlp:784-100-10, lenet, resnet20/56/110[_noshort], wrn56_2[_noshort], vgg9; the zoo takes (in=C,classes=K), the ResNets (width=W)";

    [GeneratedRegex(@"^(?<name>resnet(?<depth>\d+)(?<noshort>_noshort)?|wrn(?<depth>\d+)_(?<width>\d+)(?<noshort>_noshort)?|vgg9)\s*(?<open>\((?<options>[^)]*)(?<close>\))?)?$",
        RegexOptions.IgnoreCase)]
    private static partial Regex Zoo();

    /// <summary>The spec a preset expands to, or null when <paramref name="spec"/> is not a preset.</summary>
    public static string? Expand(string spec, int[]? inputShape)
    {
        if (spec.StartsWith("mlp:", StringComparison.OrdinalIgnoreCase)) return Mlp(spec);
        if (spec.Equals("lenet", StringComparison.OrdinalIgnoreCase))
            return "conv2d(1,6,5,padding=2),relu,maxpool2d(2),conv2d(6,16,5),relu,maxpool2d(2),flatten," +
                   "linear(400,120),relu,linear(120,84),relu,linear(84,10)";
        var m = Zoo().Match(spec);
        if (!m.Success) return null;
        string name = m.Groups["name"].Value.ToLowerInvariant();
        if (m.Groups["open"].Success && !m.Groups["close"].Success)
            throw new BasinException("model spec", $"at position {spec.Length + 1}: expected ')' to close {name}( at position {m.Groups["open"].Index + 1}, found end of spec", ModelSpec.Grammar);
        var (channels, classes, baseWidth) = Options(spec, m.Groups["options"].Value, inputShape);
        if (name == "vgg9")
            return baseWidth is null ? Vgg9(channels, classes, inputShape) : throw new BasinException("model spec", $"preset '{spec}': vgg9 takes no width option", "its options are in and classes");
        int depth = int.Parse(m.Groups["depth"].Value, CultureInfo.InvariantCulture);
        if (depth < 8 || (depth - 2) % 6 != 0)
            throw new BasinException("model spec", $"preset '{spec}': a CIFAR ResNet has depth 6n + 2, not {depth}", "e.g. resnet20, resnet56, resnet110");
        int width = m.Groups["width"].Success ? int.Parse(m.Groups["width"].Value, CultureInfo.InvariantCulture) : 1;
        if (width < 1) throw new BasinException("model spec", $"preset '{spec}': width must be positive", "e.g. wrn56_2");
        return ResNet((depth - 2) / 6, (baseWidth ?? 16) * width, !m.Groups["noshort"].Success, channels, classes);
    }

    /// <summary>in (the data's channels, else 3), classes (10) and width (null when not given: the preset's own).</summary>
    static (int Channels, int Classes, int? Width) Options(string spec, string options, int[]? inputShape)
    {
        int channels = inputShape is { Length: 3 } ? inputShape[0] : 3, classes = 10;
        int? width = null;
        foreach (var option in options.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = option.Split('=', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v <= 0)
                throw new BasinException("model spec", $"preset '{spec}': cannot read option '{option}'", "write e.g. resnet20(in=1,classes=10)");
            switch (parts[0].ToLowerInvariant())
            {
                case "in":
                    if (inputShape is { Length: 3 } && inputShape[0] != v)
                        throw new BasinException("model spec", $"preset '{spec}' takes {v} input channels but the data have {inputShape[0]}",
                            "leave in= out and the preset takes the data's channels");
                    channels = v;
                    break;
                case "classes": classes = v; break;
                case "width": width = v; break;
                default: throw new BasinException("model spec", $"preset '{spec}': unknown option '{parts[0]}'", "options: in, classes, width");
            }
        }
        return (channels, classes, width);
    }

    static string Mlp(string spec)
    {
        var widths = new List<int>();
        foreach (var p in spec[4..].Split('-'))
            if (int.TryParse(p, out int w) && w > 0) widths.Add(w);
            else throw new BasinException("model spec", $"preset '{spec}': '{p}' is not a positive width", "write mlp:IN-HIDDEN-...-OUT, e.g. mlp:784-100-10");
        if (widths.Count < 2) throw new BasinException("model spec", $"preset '{spec}' needs at least an input and an output width", "e.g. mlp:784-100-10");
        var sb = new StringBuilder();
        for (int i = 0; i + 1 < widths.Count; i++)
        {
            if (i > 0) sb.Append(",relu,");
            sb.Append($"linear({widths[i]},{widths[i + 1]})");
        }
        return sb.ToString();
    }

    /// <summary>loss-landscape's ResNet_cifar: conv1, bn1, three stages of n BasicBlocks (w, 2w, 4w planes; w = 16 k), linear.</summary>
    static string ResNet(int n, int w, bool shortcuts, int channels, int classes)
    {
        var sb = new StringBuilder($"conv1:conv2d({channels},{w},3,padding=1,bias=false),bn1:batchnorm2d({w}),relu");
        int planes = w;
        for (int stage = 0; stage < 3; stage++)
        {
            int width = w << stage;
            sb.Append($",layer{stage + 1}:[");
            for (int b = 0; b < n; b++)
            {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                if (b > 0) sb.Append(',');
                sb.Append(Block(planes, width, stride, shortcuts));
                planes = width;
            }
            sb.Append(']');
        }
        return sb.Append($",globalavgpool,flatten,linear:linear({planes},{classes})").ToString();
    }

    /// <summary>BasicBlock (option-B shortcut: 1x1 conv + BN where the shape changes) or BasicBlock_noshortcut.</summary>
    static string Block(int planes, int width, int stride, bool shortcut)
    {
        string s = stride == 1 ? "" : $",stride={stride}";
        string body = $"conv1:conv2d({planes},{width},3{s},padding=1,bias=false),bn1:batchnorm2d({width}),relu," +
                      $"conv2:conv2d({width},{width},3,padding=1,bias=false),bn2:batchnorm2d({width})";
        if (!shortcut) return $"[{body},relu]";
        string branch = stride != 1 || planes != width ? $",shortcut=[conv2d({planes},{width},1{s},bias=false),batchnorm2d({width})]" : "";
        return $"residual({body}{branch},after=relu)";
    }

    /// <summary>loss-landscape's VGG9: features (3x3 conv + BN + ReLU, ceil-mode max pooling), fc (linear, BN1d, ReLU), classifier.</summary>
    static string Vgg9(int channels, int classes, int[]? inputShape)
    {
        var sb = new StringBuilder("features:[");
        int c = channels, size = inputShape is { Length: 3 } ? inputShape[1] : 32;
        bool first = true;
        foreach (int x in new[] { 64, 64, -1, 128, 128, -1, 256, 256, 256, -1 })
        {
            if (!first) sb.Append(',');
            first = false;
            if (x < 0)
            {
                sb.Append("maxpool2d(2,ceil_mode=true)");
                size = (size + 1) / 2;
                continue;
            }
            sb.Append($"conv2d({c},{x},3,padding=1),batchnorm2d({x}),relu");
            c = x;
        }
        return sb.Append($"],flatten,fc:[linear({c * size * size},{c}),batchnorm1d({c}),relu],classifier:linear({c},{classes})").ToString();
    }
}
