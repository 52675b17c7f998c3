namespace Basin.Devices;

/// <summary>
/// A range of values in a backend's memory: an allocation (<see cref="Storage"/>, the backend's own: an array on the CPU,
/// device memory on a GPU) and the part of it this view covers. The default is empty and names no allocation.
/// </summary>
internal readonly record struct DeviceBuffer<T>(object? Storage, long Offset, long Length) where T : unmanaged
{
    /// <summary>Whether this names an allocation (the default does not).</summary>
    public bool Exists => Storage is not null;

    /// <summary>Values [offset, offset + length) of this view.</summary>
    public DeviceBuffer<T> Slice(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, {offset + length}) of a view of {Length}");
        return new(Storage, Offset + offset, length);
    }

    /// <summary>The view's first <paramref name="length"/> values.</summary>
    public DeviceBuffer<T> Take(long length) => Slice(0, length);

    /// <summary>An empty view of the same allocation (an absent tensor: a layer without bias, a pass without a direction).</summary>
    public DeviceBuffer<T> Empty => new(Storage, Offset, 0);
}
