using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Basin.Engine.Layers;

/// <summary>max(z, 0); f'(0) = 0 as PyTorch's threshold_backward.</summary>
internal sealed class Relu<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public string Name => "relu";
    public bool IsPiecewiseLinear => true;
    public void Value(ReadOnlySpan<T> z, Span<T> f) => LeakyRelu<T>.Apply(z, f, T.Zero, true);
    public void FirstDerivative(ReadOnlySpan<T> z, Span<T> d1) => LeakyRelu<T>.Apply(z, d1, T.Zero, false);
    public void SecondDerivative(ReadOnlySpan<T> z, Span<T> d2) => d2.Clear();
}

/// <summary>z for z &gt; 0, a z otherwise.</summary>
internal sealed class LeakyRelu<T>(T slope) : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public string Name => $"leakyrelu({slope})";
    public bool IsPiecewiseLinear => true;
    public void Value(ReadOnlySpan<T> z, Span<T> f) => Apply(z, f, slope, true);
    public void FirstDerivative(ReadOnlySpan<T> z, Span<T> d1) => Apply(z, d1, slope, false);
    public void SecondDerivative(ReadOnlySpan<T> z, Span<T> d2) => d2.Clear();

    /// <summary>value: z &gt; 0 ? z : slope z; derivative: z &gt; 0 ? 1 : slope. NaN maps to NaN in value.</summary>
    internal static void Apply(ReadOnlySpan<T> z, Span<T> o, T slope, bool value)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vs = Vector512.Create(slope);
            var one = Vector512<T>.One;
            for (; i <= z.Length - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var x = Vector512.Create(z.Slice(i, Vector512<T>.Count));
                var pos = Vector512.GreaterThan(x, Vector512<T>.Zero);
                var r = value ? Vector512.ConditionalSelect(pos, x, x * vs) : Vector512.ConditionalSelect(pos, one, vs);
                r.CopyTo(o.Slice(i, Vector512<T>.Count));
            }
        }
        for (; i < z.Length; i++)
        {
            T x = z[i];
            o[i] = value ? (x > T.Zero ? x : x * slope) : (x > T.Zero ? T.One : slope);
        }
    }
}

internal sealed class Tanh<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public string Name => "tanh";
    public bool IsPiecewiseLinear => false;
    public void Value(ReadOnlySpan<T> z, Span<T> f) => TensorPrimitives.Tanh(z, f);
    public void FirstDerivative(ReadOnlySpan<T> z, Span<T> d1)
    {
        for (int i = 0; i < z.Length; i++) { T t = T.Tanh(z[i]); d1[i] = T.One - t * t; }
    }
    public void SecondDerivative(ReadOnlySpan<T> z, Span<T> d2)
    {
        T two = T.One + T.One;
        for (int i = 0; i < z.Length; i++) { T t = T.Tanh(z[i]); d2[i] = -two * t * (T.One - t * t); }
    }
}

internal sealed class Sigmoid<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public string Name => "sigmoid";
    public bool IsPiecewiseLinear => false;
    internal static T Of(T z) => T.One / (T.One + T.Exp(-z));
    public void Value(ReadOnlySpan<T> z, Span<T> f) { for (int i = 0; i < z.Length; i++) f[i] = Of(z[i]); }
    public void FirstDerivative(ReadOnlySpan<T> z, Span<T> d1)
    {
        for (int i = 0; i < z.Length; i++) { T s = Of(z[i]); d1[i] = s * (T.One - s); }
    }
    public void SecondDerivative(ReadOnlySpan<T> z, Span<T> d2)
    {
        T two = T.One + T.One;
        for (int i = 0; i < z.Length; i++) { T s = Of(z[i]); d2[i] = s * (T.One - s) * (T.One - two * s); }
    }
}

/// <summary>log(1 + e^z), linear above z = 20 as PyTorch's default threshold.</summary>
internal sealed class Softplus<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static readonly T Threshold = T.CreateChecked(20);
    public string Name => "softplus";
    public bool IsPiecewiseLinear => false;
    public void Value(ReadOnlySpan<T> z, Span<T> f)
    {
        for (int i = 0; i < z.Length; i++) f[i] = z[i] > Threshold ? z[i] : T.LogP1(T.Exp(z[i]));
    }
    public void FirstDerivative(ReadOnlySpan<T> z, Span<T> d1)
    {
        for (int i = 0; i < z.Length; i++) d1[i] = z[i] > Threshold ? T.One : Sigmoid<T>.Of(z[i]);
    }
    public void SecondDerivative(ReadOnlySpan<T> z, Span<T> d2)
    {
        for (int i = 0; i < z.Length; i++)
        {
            T s = Sigmoid<T>.Of(z[i]);
            d2[i] = z[i] > Threshold ? T.Zero : s * (T.One - s);
        }
    }
}

/// <summary>sum_i c_i z^i; identity is poly(0,1) and square is poly(0,0,1).</summary>
internal sealed class Polynomial<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly T[] c, c1, c2;

    public Polynomial(string name, T[] coefficients)
    {
        Name = name;
        c = coefficients;
        c1 = Derivative(c);
        c2 = Derivative(c1);
        IsPiecewiseLinear = c.Length <= 2;
    }

    public string Name { get; }
    public bool IsPiecewiseLinear { get; }

    static T[] Derivative(T[] a)
    {
        if (a.Length <= 1) return [T.Zero];
        var d = new T[a.Length - 1];
        for (int i = 1; i < a.Length; i++) d[i - 1] = a[i] * T.CreateChecked(i);
        return d;
    }

    static void Horner(T[] coef, ReadOnlySpan<T> z, Span<T> o)
    {
        for (int i = 0; i < z.Length; i++)
        {
            T x = z[i], acc = coef[^1];
            for (int k = coef.Length - 2; k >= 0; k--) acc = acc * x + coef[k];
            o[i] = acc;
        }
    }

    public void Value(ReadOnlySpan<T> z, Span<T> f)
    {
        if (c.Length == 2 && c[0] == T.Zero && c[1] == T.One) z.CopyTo(f);
        else Horner(c, z, f);
    }
    public void FirstDerivative(ReadOnlySpan<T> z, Span<T> d1) => Horner(c1, z, d1);
    public void SecondDerivative(ReadOnlySpan<T> z, Span<T> d2) => Horner(c2, z, d2);
}
