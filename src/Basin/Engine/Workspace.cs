using System.Numerics;
using Basin.Tensors;

namespace Basin.Engine;

/// <summary>
/// Per-thread buffers of one network for batches up to a fixed size, allocated once: each layer's output,
/// its R{output}, the gradient with respect to it and the R of that gradient, plus layer scratch.
/// </summary>
internal sealed class Workspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Network<T> network;
    readonly T[][] outputs, routputs, deltas, rdeltas;
    readonly T[] scratch;
    // A layer that keeps state between passes (a container, BatchNorm) has its own state-and-scratch array.
    readonly T[]?[] own;

    public int Capacity { get; }
    public ReadOnlyMemory<T> Input { get; private set; }
    /// <summary>The nonzero pattern of <see cref="Input"/> when known (a fixed shard of a sparse data set).</summary>
    public ZeroPattern? InputPattern { get; private set; }
    /// <summary>The input's values packed by <see cref="ZeroPattern.Pack{T}"/> (empty: packed per product).</summary>
    public ReadOnlyMemory<T> InputPacked { get; private set; }
    /// <summary>
    /// The first layer's weights and the direction's, packed once per pass by <see cref="Gemm.PackTransposed{T}"/> for
    /// the products with a patterned input (empty: packed per product). Whoever sets a pattern keeps them current.
    /// </summary>
    public ReadOnlyMemory<T> WeightPanels { get; set; }
    public ReadOnlyMemory<T> DirectionPanels { get; set; }

    public Workspace(Network<T> network, int batch)
    {
        this.network = network;
        Capacity = batch;
        int n = network.Layers.Length;
        outputs = new T[n][]; routputs = new T[n][]; deltas = new T[n][]; rdeltas = new T[n][];
        own = new T[]?[n];
        int scratchSize = 0;
        for (int i = 0; i < n; i++)
        {
            var layer = network.Layers[i];
            int size = batch * layer.OutputSize;
            outputs[i] = new T[size]; routputs[i] = new T[size]; deltas[i] = new T[size]; rdeltas[i] = new T[size];
            if (layer.StateSize(batch) > 0) own[i] = new T[layer.StateSize(batch) + layer.ScratchSize(batch)];
            else scratchSize = Math.Max(scratchSize, layer.ScratchSize(batch));
        }
        scratch = new T[scratchSize];
    }

    T[] ownInput = [];
    T[] inputBlock = [];

    /// <summary>
    /// This workspace's own buffer for an input of <paramref name="length"/> values (a shard converted from the data
    /// as stored), allocated on first use for the workspace's capacity.
    /// </summary>
    public Memory<T> OwnInput(int length)
    {
        if (ownInput.Length < length) ownInput = GC.AllocateUninitializedArray<T>(Math.Max(length, Capacity * network.InputSize));
        return ownInput.AsMemory(0, length);
    }

    /// <summary>A few rows of converted input for a first layer that reads them once (see EmpiricalRisk's loss pass).</summary>
    public Span<T> InputBlock(int length)
    {
        if (inputBlock.Length < length) inputBlock = GC.AllocateUninitializedArray<T>(length);
        return inputBlock.AsSpan(0, length);
    }

    public void SetInput(ReadOnlyMemory<T> x, ZeroPattern? pattern = null, ReadOnlyMemory<T> packed = default)
    {
        Input = x;
        InputPattern = pattern;
        InputPacked = packed;
    }

    public Span<T> Scratch => scratch;

    /// <summary>Layer i's scratch: its own state-and-scratch array when it keeps state, else the shared one.</summary>
    public Span<T> ScratchOf(int layer) => own[layer] ?? scratch;

    public ReadOnlySpan<T> In(int layer, int batch) =>
        layer == 0 ? Input.Span[..(batch * network.InputSize)] : outputs[layer - 1].AsSpan(0, batch * network.Layers[layer - 1].OutputSize);

    public Span<T> Out(int layer, int batch) => outputs[layer].AsSpan(0, batch * network.Layers[layer].OutputSize);
    public Span<T> ROut(int layer, int batch) => routputs[layer].AsSpan(0, batch * network.Layers[layer].OutputSize);
    public Span<T> Delta(int layer, int batch) => deltas[layer].AsSpan(0, batch * network.Layers[layer].OutputSize);
    public Span<T> RDelta(int layer, int batch) => rdeltas[layer].AsSpan(0, batch * network.Layers[layer].OutputSize);

    /// <summary>Second-order forward outputs: they share the R-delta buffers, which that pass does not use.</summary>
    public Span<T> R2Out(int layer, int batch) => RDelta(layer, batch);

    int Last => network.Layers.Length - 1;
    public Span<T> Output(int batch) => Out(Last, batch);
    public Span<T> ROutput(int batch) => ROut(Last, batch);
    public Span<T> OutputDelta(int batch) => Delta(Last, batch);
    public Span<T> ROutputDelta(int batch) => RDelta(Last, batch);
    public Span<T> R2Output(int batch) => R2Out(Last, batch);
}
