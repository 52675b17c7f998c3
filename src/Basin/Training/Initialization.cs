using System.Globalization;
using System.Numerics;
using Basin.Engine;
using Basin.Models;
using Basin.Tensors;

namespace Basin.Training;

/// <summary>
/// Initial weights: <c>pytorch</c> (nn.Linear / nn.Conv2d defaults: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))),
/// <c>xavier</c> (Glorot uniform, zero bias), <c>gaussian:STD</c> (N(0, STD^2), zero bias), <c>orthogonal</c>
/// (orthonormal rows or columns of the flattened weight, zero bias), <c>zero</c>, or a safetensors file. BatchNorm's
/// weight and bias start at 1 and 0 under every scheme.
/// The generator is Basin's own, so a seed gives a PyTorch-like start, not PyTorch's numbers.
/// </summary>
internal static class Initialization
{
    public const string Choices = "pytorch, xavier, gaussian:STD, orthogonal, zero, or a .safetensors file";

    /// <summary>Whether <paramref name="how"/> names a weights file rather than a scheme.</summary>
    public static bool IsFile(string how) => File.Exists(how) || how.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);

    public static T[] Create<T>(ParameterLayout layout, string how, ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (IsFile(how)) return SafeTensors.ReadTheta<T>(how, layout);
        var parts = how.ToLowerInvariant().Split(':');
        double std = 0;
        bool known = parts[0] switch
        {
            "pytorch" or "xavier" or "orthogonal" or "zero" => parts.Length == 1,
            "gaussian" => parts.Length == 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out std) && std >= 0,
            _ => false,
        };
        if (!known) throw new BasinException("{init}", $"cannot read '{how}'", "use " + Choices);
        var rng = new Rng(seed, 0x1417);
        var theta = new double[layout.Count];
        foreach (var t in layout.Tensors)
        {
            if (t.IsNormalization)
            {
                // BatchNorm starts as PyTorch's does, whatever the scheme: weight 1, bias 0.
                if (!t.Name.EndsWith("bias", StringComparison.Ordinal)) theta.AsSpan(t.Offset, t.Length).Fill(1);
                continue;
            }
            var weight = t.IsBias ? layout.Find(t.Name[..^"bias".Length] + "weight")! : t;
            int fanOut = weight.Shape[0], fanIn = weight.Length / fanOut;
            int receptive = weight.Shape.Length > 2 ? weight.Length / (weight.Shape[0] * weight.Shape[1]) : 1;
            var values = theta.AsSpan(t.Offset, t.Length);
            switch (parts[0])
            {
                case "pytorch":
                    Uniform(rng, values, 1 / Math.Sqrt(fanIn));
                    break;
                case "xavier" when !t.IsBias:
                    Uniform(rng, values, Math.Sqrt(6.0 / (fanIn + fanOut * receptive)));
                    break;
                case "gaussian" when !t.IsBias:
                    for (int i = 0; i < values.Length; i++) values[i] = std * rng.NextGaussian();
                    break;
                case "orthogonal" when !t.IsBias:
                    Orthogonal(rng, values, fanOut, fanIn);
                    break;
            }
        }
        var result = new T[layout.Count];
        for (int i = 0; i < result.Length; i++) result[i] = T.CreateChecked(theta[i]);
        return result;
    }

    static void Uniform(Rng rng, Span<double> values, double bound)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (2 * rng.NextDouble() - 1) * bound;
    }

    /// <summary>A rows x cols matrix with orthonormal rows (rows &lt;= cols) or columns, by Gram-Schmidt on Gaussians.</summary>
    static void Orthogonal(Rng rng, Span<double> w, int rows, int cols)
    {
        bool transpose = rows > cols;
        int n = transpose ? cols : rows, m = transpose ? rows : cols;
        var q = new double[n * m];
        for (int i = 0; i < q.Length; i++) q[i] = rng.NextGaussian();
        for (int i = 0; i < n; i++)
        {
            var qi = q.AsSpan(i * m, m);
            for (int pass = 0; pass < 2; pass++)
                for (int j = 0; j < i; j++)
                {
                    var qj = q.AsSpan(j * m, m);
                    double dot = 0;
                    for (int k = 0; k < m; k++) dot += qi[k] * qj[k];
                    for (int k = 0; k < m; k++) qi[k] -= dot * qj[k];
                }
            double norm = 0;
            foreach (var x in qi) norm += x * x;
            norm = Math.Sqrt(norm);
            for (int k = 0; k < m; k++) qi[k] /= norm;
        }
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            w[r * cols + c] = transpose ? q[c * m + r] : q[r * m + c];
    }
}
