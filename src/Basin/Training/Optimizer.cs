using System.Numerics;

namespace Basin.Training;

/// <summary>
/// An update rule theta &lt;- theta - lr * direction(gradient, state). The state vectors are named so a checkpoint
/// can store and restore them exactly; <see cref="Steps"/> counts the updates made.
/// </summary>
internal abstract class Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public abstract string Describe();
    public long Steps { get; protected set; }

    /// <summary>Threads an update may use (0: all cores); updates go element by element, so the bits do not depend on it.</summary>
    public int Threads { get; set; }

    public abstract void Step(Span<T> theta, ReadOnlySpan<T> gradient, double learningRate);

    /// <summary>Named state vectors (empty until the first step creates them).</summary>
    public abstract IReadOnlyList<(string Name, T[] Values)> State { get; }

    /// <summary>Restores state saved from <see cref="State"/> after <paramref name="steps"/> updates.</summary>
    public abstract void Restore(IReadOnlyDictionary<string, T[]> state, long steps);

    protected static T[] Take(IReadOnlyDictionary<string, T[]> state, string name) =>
        state.TryGetValue(name, out var v) ? (T[])v.Clone() : throw new BasinException("checkpoint", $"optimizer state '{name}' is missing", "was the run trained with another optimizer?");
}
