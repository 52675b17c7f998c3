using Basin.Training;

namespace Basin.Devices;

/// <summary>What the CUDA backend computes: float32 softmax cross-entropy of labelled data, un-augmented.</summary>
internal static class DeviceSupport
{
    /// <summary>Why the GPU cannot compute <paramref name="loss"/> in <paramref name="dtype"/>, or null when it can.</summary>
    public static BasinException? Refusal(string loss, string dtype) =>
        dtype == "float64" ? new("{device}", "the CUDA backend computes in float32", "leave {dtype} float64 out, or use {device} cpu")
        : Engine.Losses.Loss<float>.Create(loss).Name != "ce"
            ? new("{device}", $"the CUDA backend computes the cross-entropy only, not {loss}", "leave {loss} out, or use {device} cpu")
            : null;

    /// <summary>Why the GPU cannot train runs of <paramref name="config"/> (BatchNorm trains there in train mode, images augmented), or null when it can.</summary>
    public static BasinException? TrainingRefusal(RunConfig config) => Refusal(config.Loss, config.DType);
}
