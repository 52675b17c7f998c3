using ILGPU;
using Basin.Devices;

namespace Basin.Cuda.Kernels;

/// <summary>
/// The chain rule through an activation at its pre-activations z: output = u f'(z), plus w f''(z) r when w is given. With
/// u = delta-a it is backward's delta-z; with u = Rz the R-operator's Ra; with u = R(delta-a), w = delta-a, r = Rz the
/// R-operator's R(delta-z) (Pearlmutter 1994, eq. 4). The output may be u itself.
/// </summary>
internal static class ActivationDerivativeKernel
{
    public static void Run(Index1D i, ArrayView<float> z, ArrayView<float> u, ArrayView<float> w, ArrayView<float> r, ArrayView<float> output, int kind)
    {
        var activation = (ActivationKind)kind;
        float value = u[i] * ActivationKernel.Apply(z[i], activation, 1);
        if (w.Length > 0) value += w[i] * ActivationKernel.Apply(z[i], activation, 2) * r[i];
        output[i] = value;
    }
}
