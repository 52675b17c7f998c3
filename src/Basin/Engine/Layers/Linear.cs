using System.Numerics;
using System.Numerics.Tensors;
using Basin.Tensors;

namespace Basin.Engine.Layers;

/// <summary>y = x W^T + b with W of shape [out,in] (PyTorch nn.Linear).</summary>
internal sealed class Linear<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public int In { get; }
    public int Out { get; }
    public bool Bias { get; }

    public Linear(int[] inputShape, int @in, int @out, bool bias) : base(inputShape)
    {
        In = @in; Out = @out; Bias = bias;
        OutputShape = [@out];
    }

    /// <summary>Length of the packed weights <see cref="Forward(ReadOnlySpan{T}, ReadOnlySpan{T}, ZeroPattern, Span{T}, int, ReadOnlySpan{T})"/> takes.</summary>
    public int PanelLength => Gemm.PackedLength<T>(Out, In);

    /// <summary>Panels of the packed weights: each holds <see cref="Gemm.PanelRows{T}"/> rows of W (the last Out mod that are not packed).</summary>
    public int PanelCount => Out / Gemm.PanelRows<T>();

    /// <summary>Packs panel q of p's weights into its place in panels; false when they are not all finite (then unusable).</summary>
    public bool PackPanel(ReadOnlySpan<T> p, Span<T> panels, int q)
    {
        int size = Gemm.PanelRows<T>() * In;
        return Gemm.PackTransposed(W(p).Slice(q * size, size), In, Gemm.PanelRows<T>(), In, panels.Slice(q * size, size));
    }

    public override IReadOnlyList<TensorSpec> Parameters =>
        Bias ? [new("weight", [Out, In]), new("bias", [Out])] : [new("weight", [Out, In])];

    public override string Describe() => $"linear({In},{Out}{(Bias ? "" : ",bias=false")})";

    public override double ForwardFlops => 2.0 * In * Out;

    ReadOnlySpan<T> W(ReadOnlySpan<T> p) => p[..(Out * In)];
    ReadOnlySpan<T> B(ReadOnlySpan<T> p) => p.Slice(Out * In, Out);

    void AffineNoBias(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y, int batch, bool accumulate) =>
        Gemm.Multiply(false, true, batch, Out, In, x, In, w, In, y, Out, accumulate);

    public override void Forward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, Span<T> y, int batch, Span<T> scratch)
    {
        AffineNoBias(W(p), x, y, batch, false);
        if (Bias) Rows<T>.AddToEach(B(p), y, batch);
    }

    /// <summary>
    /// The forward pass skipping the zero inputs <paramref name="pattern"/> lists (same products, fewer terms), with the
    /// weights pre-packed in <paramref name="panels"/> and the input's values in <paramref name="packed"/> (see
    /// <see cref="ZeroPattern.Pack{T}"/>) when not empty.
    /// </summary>
    public void Forward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ZeroPattern pattern, ReadOnlySpan<T> packed, Span<T> y, int batch, ReadOnlySpan<T> panels)
    {
        Gemm.MultiplyRowSparse(batch, Out, In, x, In, pattern, W(p), In, y, Out, panels, packed);
        if (Bias) Rows<T>.AddToEach(B(p), y, batch);
    }

    /// <summary>
    /// gp = J_p^T dy (weights and bias) for an input whose zeros <paramref name="pattern"/> lists, with its values
    /// packed in <paramref name="packed"/> (see <see cref="ZeroPattern.Pack{T}"/>) when not empty.
    /// </summary>
    public void ParameterGradient(ReadOnlySpan<T> x, ZeroPattern pattern, ReadOnlySpan<T> packed, ReadOnlySpan<T> dy, Span<T> gp, int batch)
    {
        Gemm.MultiplyColumnSparse(Out, In, batch, dy, Out, pattern, x, In, gp, In, packed);
        if (Bias) Rows<T>.SumOf(dy, gp.Slice(Out * In, Out), batch);
    }

    public override void Backward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, Span<T> gp,
        int batch, Span<T> scratch)
    {
        if (!dx.IsEmpty) Gemm.Multiply(false, false, batch, In, Out, dy, Out, W(p), In, dx, In, false);
        if (gp.IsEmpty) return;
        Gemm.Multiply(true, false, Out, In, batch, dy, Out, x, In, gp, In, false);
        if (Bias) Rows<T>.SumOf(dy, gp.Slice(Out * In, Out), batch);
    }

    public override void ForwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        Span<T> ry, int batch, Span<T> scratch)
    {
        AffineNoBias(W(vp), x, ry, batch, false);
        if (!rx.IsEmpty) AffineNoBias(W(p), rx, ry, batch, true);
        if (Bias) Rows<T>.AddToEach(B(vp), ry, batch);
    }

    /// <summary>y is bilinear in (x, W): r2y = r2x W^T + 2 rx V^T (the bias is linear and drops out).</summary>
    public override bool ForwardR2(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> r2x, Span<T> r2y, int batch, Span<T> scratch)
    {
        if (rx.IsEmpty && r2x.IsEmpty) return false;
        var r = r2y[..(batch * Out)];
        if (!rx.IsEmpty)
        {
            AffineNoBias(W(vp), rx, r, batch, false);
            TensorPrimitives.Add(r, r, r);
        }
        if (!r2x.IsEmpty) AffineNoBias(W(p), r2x, r, batch, !rx.IsEmpty);
        return true;
    }

    public override void BackwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> dy, ReadOnlySpan<T> rdy, Span<T> rdx, Span<T> hp, int batch, Span<T> scratch)
    {
        if (!rdx.IsEmpty)
        {
            Gemm.Multiply(false, false, batch, In, Out, rdy, Out, W(p), In, rdx, In, false);
            Gemm.Multiply(false, false, batch, In, Out, dy, Out, W(vp), In, rdx, In, true);
        }
        Gemm.Multiply(true, false, Out, In, batch, rdy, Out, x, In, hp, In, false);
        if (!rx.IsEmpty) Gemm.Multiply(true, false, Out, In, batch, dy, Out, rx, In, hp, In, true);
        if (Bias) Rows<T>.SumOf(rdy, hp.Slice(Out * In, Out), batch);
    }
}
