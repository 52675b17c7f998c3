using System.Numerics;

namespace Basin.Engine;

/// <summary>
/// One module of a network: a leaf layer or a container of layers (<see cref="Layers.Residual{T}"/>). Layers hold no
/// weights: every pass receives this layer's slice of theta. Activations are batch-major (<c>batch x size</c>). Each layer keeps its three passes side by side:
/// forward, backward (vector-Jacobian product) and the R-operator (Pearlmutter 1994) that differentiates
/// both along a direction v to give exact Hessian-vector products, and a second-order forward pass for the
/// quadratic form v^T H v without a backward pass.
/// </summary>
internal abstract class Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public int[] InputShape { get; }
    public int[] OutputShape { get; protected init; }
    public int InputSize { get; }
    public int OutputSize => Product(OutputShape);

    protected Layer(int[] inputShape)
    {
        InputShape = inputShape;
        InputSize = Product(inputShape);
        OutputShape = inputShape;
    }

    /// <summary>The module's name in its container: its index in a sequence, or the name the spec gave it (<c>conv1</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>The layer's tensors in PyTorch order, e.g. weight [out,in] then bias [out]; a container's are dotted paths.</summary>
    public virtual IReadOnlyList<TensorSpec> Parameters => [];
    public int ParameterCount { get { int n = 0; foreach (var p in Parameters) n += Product(p.Shape); return n; } }

    /// <summary>Model state beside theta (BatchNorm's running statistics), in state_dict order; see <see cref="ModelBuffers"/>.</summary>
    public virtual IReadOnlyList<BufferSpec> Buffers => [];

    /// <summary>Tells the layer where its buffers live (their first index in <paramref name="buffers"/>' values and counts); the network starts them at <see cref="ModelBuffers.Reset"/>.</summary>
    public virtual void Bind(ModelBuffers buffers, int valueOffset, int countOffset) { }

    /// <summary>Binds a network's top-level layers to its buffers, from the start.</summary>
    internal static void BindAll(IEnumerable<Layer<T>> layers, ModelBuffers buffers) => BindEach(layers, buffers, 0, 0);

    /// <summary>Binds each of a container's children in turn, each after the buffers of those before it.</summary>
    protected static void BindEach(IEnumerable<Layer<T>> children, ModelBuffers buffers, int valueOffset, int countOffset)
    {
        foreach (var child in children)
        {
            child.Bind(buffers, valueOffset, countOffset);
            foreach (var b in child.Buffers)
                if (b.IsCount) countOffset++;
                else valueOffset += Product(b.Shape);
        }
    }

    /// <summary>Whether the output is linear in theta's slice (what the surface evaluator's shortcut needs of the first parametric layer).</summary>
    public virtual bool LinearInParameters => true;

    /// <summary>Dense multiply-add FLOPs of one example's forward pass (2 per multiply-add of its products; 0 for cheap maps).</summary>
    public virtual double ForwardFlops => 0;

    /// <summary>Scratch elements one pass needs for a batch of this size.</summary>
    public virtual int ScratchSize(int batch) => 0;

    /// <summary>
    /// Elements of state a layer keeps from one pass to the next in the same workspace (a container's inner
    /// activations, train-mode batch statistics): handed to every pass in front of the scratch.
    /// </summary>
    public virtual int StateSize(int batch) => 0;

    public abstract void Forward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, Span<T> y, int batch, Span<T> scratch);

    /// <summary>dx = J_x^T dy (skipped when dx is empty); gp = J_p^T dy (overwritten; skipped when empty).</summary>
    public abstract void Backward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, Span<T> gp,
        int batch, Span<T> scratch);

    /// <summary>ry = J_x rx + J_p vp (rx empty means zero).</summary>
    public abstract void ForwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        Span<T> ry, int batch, Span<T> scratch);

    /// <summary>R{dx} and hp = R{gp} (overwritten), the directional derivatives of the backward pass along (vp, rx, rdy).</summary>
    public abstract void BackwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> dy, ReadOnlySpan<T> rdy, Span<T> rdx, Span<T> hp, int batch, Span<T> scratch);

    /// <summary>
    /// <see cref="BackwardR"/> and the plain dx = J_x^T dy (skipped when dx is empty) in one walk: a container meets its
    /// children's plain deltas on the way down, so it need not walk them a second time.
    /// </summary>
    public virtual void BackwardAndR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> dy, ReadOnlySpan<T> rdy, Span<T> dx, Span<T> rdx, Span<T> hp, int batch, Span<T> scratch)
    {
        BackwardR(p, vp, x, rx, dy, rdy, rdx, hp, batch, scratch);
        if (!dx.IsEmpty) Backward(p, x, dy, dx, Span<T>.Empty, batch, scratch);
    }

    /// <summary>
    /// The second-order forward (Taylor) pass along v: r2y = d^2/dt^2 y(x(t), p + t vp) from rx = dx/dt and
    /// r2x = d^2x/dt^2 (empty: zero). Returns false, leaving r2y unwritten, when r2y is zero.
    /// </summary>
    public abstract bool ForwardR2(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> r2x, Span<T> r2y, int batch, Span<T> scratch);

    public abstract string Describe();

    /// <summary>Child <paramref name="index"/> of a sequence as the spec writes it: name:layer unless its name is its index.</summary>
    internal static string Named(Layer<T> child, int index) =>
        child.Name.Length == 0 || child.Name == index.ToString(System.Globalization.CultureInfo.InvariantCulture) ? child.Describe() : $"{child.Name}:{child.Describe()}";

    /// <summary>Elements of a shape; past int's range it throws an OverflowException (the model spec reports it).</summary>
    public static int Product(int[] shape)
    {
        int n = 1;
        foreach (int d in shape) n = checked(n * d);
        return n;
    }

    protected static string ShapeText(int[] shape) => "[" + string.Join(",", shape) + "]";
}
