using System.Numerics;

namespace Basin.Engine.Layers;

/// <summary>Geometry shared by the pooling layers: k x k windows with a stride, no padding, floor mode.</summary>
internal abstract class Pool2d<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected readonly int C, H, W, K, S, OH, OW;

    protected Pool2d(int[] inputShape, int kernel, int stride) : base(inputShape)
    {
        C = inputShape[0]; H = inputShape[1]; W = inputShape[2]; K = kernel; S = stride;
        OH = (H - K) / S + 1;
        OW = (W - K) / S + 1;
        OutputShape = [C, OH, OW];
    }

    protected string Args => S == K ? $"{K}" : $"{K},stride={S}";
}
