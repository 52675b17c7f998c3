using ILGPU;
using Basin.Devices;

namespace Basin.Cuda.Kernels;

/// <summary>
/// An activation's value, first or second derivative at each pre-activation, after adding a bias per column. tanh is
/// written through exp (PTX's tanh.approx is good to 2^-11 only); exp itself is the ex2-based PTX function.
/// </summary>
internal static class ActivationKernel
{
    /// <summary>output[i] = f^(order)(z[i] + bias[i mod width]) (no bias when it is empty).</summary>
    public static void Run(Index1D i, ArrayView<float> z, ArrayView<float> bias, ArrayView<float> output, int width, int kind, int order)
    {
        float x = z[i] + (bias.Length > 0 ? bias[i % width] : 0f);
        output[i] = Apply(x, (ActivationKind)kind, order);
    }

    public static float Apply(float z, ActivationKind kind, int order)
    {
        switch (kind)
        {
            case ActivationKind.Relu:
                return order == 0 ? (z > 0 ? z : 0f) : order == 1 ? (z > 0 ? 1f : 0f) : 0f;
            case ActivationKind.Tanh:
            {
                float t = Tanh(z);
                return order == 0 ? t : order == 1 ? 1 - t * t : -2 * t * (1 - t * t);
            }
            case ActivationKind.Sigmoid:
            {
                float s = Sigmoid(z);
                return order == 0 ? s : order == 1 ? s * (1 - s) : s * (1 - s) * (1 - 2 * s);
            }
            case ActivationKind.Softplus:
            {
                // Linear above 20, as PyTorch's default threshold.
                if (z > 20) return order == 0 ? z : order == 1 ? 1f : 0f;
                float s = Sigmoid(z);
                return order == 0 ? MathF.Log(1 + MathF.Exp(z)) : order == 1 ? s : s * (1 - s);
            }
            default:
                return order == 0 ? z : order == 1 ? 1f : 0f;
        }
    }

    static float Sigmoid(float z) => 1 / (1 + MathF.Exp(-z));

    static float Tanh(float z)
    {
        float e = MathF.Exp(-2 * MathF.Abs(z));
        float t = (1 - e) / (1 + e);
        return z < 0 ? -t : t;
    }
}
