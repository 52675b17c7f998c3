using System.Numerics;
using Basin.Engine;
using Basin.Engine.Layers;

namespace Basin.Curvature;

/// <summary>
/// Dinh et al. (2017)'s alpha-rescaling: for a linear/conv layer followed (through ReLU and pooling, which are
/// positively homogeneous) by another linear/conv layer, W1, b1 -> alpha W1, alpha b1 and W2 -> W2 / alpha leave
/// the network's function unchanged, while the Hessian's W1 block scales by 1/alpha^2 and its W2 block by alpha^2.
/// </summary>
internal static class Reparametrization
{
    /// <summary>The first rescalable pair of layers (first, second), or null when the net has none.</summary>
    public static (int First, int Second)? FindPair<T>(Network<T> network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var layers = network.Layers;
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i] is not (Linear<T> or Conv2d<T>)) continue;
            bool homogeneous = false;
            for (int j = i + 1; j < layers.Length; j++)
            {
                var l = layers[j];
                if (l is Linear<T> or Conv2d<T>) { if (homogeneous) return (i, j); break; }
                if (l is Activation<T> && (l.Describe() == "relu" || l.Describe().StartsWith("leakyrelu", StringComparison.Ordinal))) homogeneous = true;
                else if (l is not (MaxPool2d<T> or AvgPool2d<T> or Flatten<T>)) break;
            }
        }
        return null;
    }

    /// <summary>A copy of theta with the pair rescaled by alpha.</summary>
    public static T[] Rescale<T>(Network<T> network, ReadOnlySpan<T> theta, (int First, int Second) pair, double alpha)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = theta.ToArray();
        T a = T.CreateChecked(alpha), inverse = T.One / a;
        foreach (var t in network.Layout.Tensors)
        {
            if (t.Layer == pair.First)
                for (int i = 0; i < t.Length; i++) result[t.Offset + i] *= a;
            else if (t.Layer == pair.Second && !t.IsBias)
                for (int i = 0; i < t.Length; i++) result[t.Offset + i] *= inverse;
        }
        return result;
    }
}
