using System.Numerics;
using System.Runtime.CompilerServices;

namespace Basin.Tensors;

/// <summary>
/// Each thread's transformed weights of each convolution (<see cref="Winograd.TransformWeights{T}"/>), kept with the
/// weights they came from: a pass over many shards at one theta transforms once per thread, and a new theta or
/// direction is noticed by comparing the weights, so no entry is ever stale. Entries go with their layer (a weak table).
/// </summary>
internal static class WinogradWeights<T> where T : unmanaged, INumberBase<T>
{
    /// <summary>What a layer keeps: its weights, their adjoint, the direction, and the two stacked pairs of an R-pass.</summary>
    const int Slots = 5;

    sealed class Entry
    {
        public T[] Weights = [], U = [];
    }

    [ThreadStatic] static ConditionalWeakTable<object, Entry[]>? table;

    static Entry[] Create(object layer)
    {
        var entries = new Entry[Slots];
        for (int i = 0; i < Slots; i++) entries[i] = new Entry();
        return entries;
    }

    /// <summary>
    /// U_e of w [outs, ins, 3, 3] (the adjoint's when asked), rows of ins (adjoint: outs) columns, e at rows * columns
    /// apart; with a second tensor of the same shape, its U beside the first's (rows of twice the columns).
    /// </summary>
    public static ReadOnlySpan<T> Of(object layer, int slot, ReadOnlySpan<T> first, ReadOnlySpan<T> second, int outs, int ins, bool adjoint)
    {
        table ??= [];
        var entry = table.GetValue(layer, Create)[slot];
        int n = first.Length;
        if (entry.Weights.Length == n + second.Length && first.SequenceEqual(entry.Weights.AsSpan(0, n)) && second.SequenceEqual(entry.Weights.AsSpan(n)))
            return entry.U;
        int rows = adjoint ? ins : outs, columns = adjoint ? outs : ins, ldu = second.IsEmpty ? columns : 2 * columns;
        if (entry.Weights.Length != n + second.Length)
        {
            entry.Weights = new T[n + second.Length];
            entry.U = new T[16 * rows * ldu];
        }
        first.CopyTo(entry.Weights);
        second.CopyTo(entry.Weights.AsSpan(n));
        Winograd.TransformWeights(first, outs, ins, adjoint, entry.U, ldu, rows * ldu, 0);
        if (!second.IsEmpty) Winograd.TransformWeights(second, outs, ins, adjoint, entry.U, ldu, rows * ldu, columns);
        return entry.U;
    }
}
