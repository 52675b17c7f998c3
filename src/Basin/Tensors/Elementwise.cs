using System.Numerics;
using System.Numerics.Tensors;

namespace Basin.Tensors;

/// <summary>
/// Element-wise work on long arrays shared out in the executor's fixed chunks to the threads this thread may use
/// (<see cref="Executor.Budget"/>: a whole minibatch's activations in a training step; one thread inside a wave of
/// shards). An element's value never depends on the split, so the bits are the same for any thread count.
/// </summary>
internal static unsafe class Elementwise
{
    /// <summary>Below this many elements one thread does it all: a region's start costs more than it saves.</summary>
    const int SplitLength = 2 * Executor.Chunk;

    /// <summary>Runs body over [0, length) in chunks, on the budget's threads when the array is long enough.</summary>
    public static void Run<TBody>(int length, TBody body) where TBody : struct, IChunkBody =>
        Executor.ForChunks(length, length < SplitLength ? 1 : Executor.Budget, body);

    /// <summary>sum = a + b (sum may be a or b).</summary>
    public static void Add<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> sum) where T : unmanaged, INumberBase<T>
    {
        if (a.Length != sum.Length || b.Length != sum.Length) throw new ArgumentException("lengths differ");
        fixed (T* pa = a, pb = b, ps = sum) Run(sum.Length, new Sum<T>(pa, pb, ps));
    }

    readonly struct Sum<T>(T* a, T* b, T* sum) : IChunkBody where T : unmanaged, INumberBase<T>
    {
        public void Run(int from, int length) =>
            TensorPrimitives.Add(new ReadOnlySpan<T>(a + from, length), new ReadOnlySpan<T>(b + from, length), new Span<T>(sum + from, length));
    }
}
