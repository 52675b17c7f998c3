namespace Basin.Tensors;

/// <summary>
/// Per-thread working buffers, grown once and reused so repeated kernels allocate nothing: the GEMM's packed panels,
/// the sparse first layer's copies, a group of images' polyphase planes, a convolution group's columns and products, a
/// convolution's weights stacked on the direction's.
/// Each name is one buffer, used by one kernel at a time on a thread; contents are not kept between calls.
/// </summary>
internal static class ThreadBuffers<T> where T : unmanaged
{
    [ThreadStatic] static T[]? a, b, pattern, tail, transposed, planes, columns, products, stacked;

    public static T[] A(int size) => Take(ref a, size);
    public static T[] B(int size) => Take(ref b, size);
    public static T[] Pattern(int size) => Take(ref pattern, size);
    public static T[] Tail(int size) => Take(ref tail, size);
    public static T[] Transposed(int size) => Take(ref transposed, size);
    public static Span<T> Planes(int size) => Take(ref planes, size).AsSpan(0, size);
    public static Span<T> Columns(int size) => Take(ref columns, size).AsSpan(0, size);
    public static Span<T> Products(int size) => Take(ref products, size).AsSpan(0, size);
    public static Span<T> Stacked(int size) => Take(ref stacked, size).AsSpan(0, size);

    static T[] Take(ref T[]? buffer, int size) => buffer is { } x && x.Length >= size ? x : buffer = GC.AllocateUninitializedArray<T>(size);
}
