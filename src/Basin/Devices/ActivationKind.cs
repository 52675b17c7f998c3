namespace Basin.Devices;

/// <summary>The engine's pointwise activations a backend computes, by the names model specs give them.</summary>
internal enum ActivationKind { Identity, Relu, Tanh, Sigmoid, Softplus }

internal static class ActivationKinds
{
    public static ActivationKind Of(string name) => name switch
    {
        "identity" => ActivationKind.Identity,
        "relu" => ActivationKind.Relu,
        "tanh" => ActivationKind.Tanh,
        "sigmoid" => ActivationKind.Sigmoid,
        "softplus" => ActivationKind.Softplus,
        _ => throw new BasinException("{device}", $"the CUDA backend has no {name} activation yet", "use relu, tanh, sigmoid or softplus, or {device} cpu"),
    };
}
