using System.Numerics;

namespace Basin.Engine.Layers;

/// <summary>A pointwise function f with its first and second derivatives, each applied over a span.</summary>
internal interface IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    string Name { get; }
    void Value(ReadOnlySpan<T> z, Span<T> f);
    void FirstDerivative(ReadOnlySpan<T> z, Span<T> d1);
    /// <summary>True when f'' is zero wherever it is defined (piecewise-linear f): the R-backward skips it.</summary>
    bool IsPiecewiseLinear { get; }
    void SecondDerivative(ReadOnlySpan<T> z, Span<T> d2);
}
