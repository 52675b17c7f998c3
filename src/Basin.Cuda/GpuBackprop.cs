using Basin.Cuda.Kernels;
using ILGPU;
using ILGPU.Runtime;
using static Basin.Cuda.GpuSteps;
using Buffer = ILGPU.Runtime.MemoryBuffer1D<float, ILGPU.Stride1D.Dense>;

namespace Basin.Cuda;

/// <summary>What a backward pass sums over the examples: nothing (the loss alone), the gradient, Hv or Gv.</summary>
internal enum GpuPass { Loss, Gradient, HessianVector, GaussNewtonVector }

/// <summary>
/// Backward passes over a risk's data on the GPU, in eval mode: each example's loss and whether it is correct, and the sum
/// over a range of examples of the loss gradients, of the Hessian-vector products or of the Gauss-Newton-vector products
/// along v. Products are exact, by Pearlmutter's R-operator (1994): a forward pass carries each value's tangent along v
/// (Rz), then one backward pass carries two vectors, p summed into the result and, for Hv, q = the gradient, whose
/// second-order terms (q f''(z) Rz, q V, q^T Rx) join p at each layer; for Gv p starts at the softmax Hessian times R(logits)
/// and meets no second-order terms; for the gradient p is the gradient. Every layer's values stay on the device (a tape
/// per chunk of examples); only the sums come back.
/// </summary>
internal sealed class GpuBackprop : IDisposable
{
    /// <summary>Floats the tape and scratch of one chunk may take (4 GB): the chunk shrinks for wide networks.</summary>
    const long TapeBudget = 1L << 30;

    /// <summary>
    /// A step's values for the chunk: its output, pre-activations (null when no activation follows), their tangents, its
    /// input, and a BatchNorm's batch mean and biased variance per channel in train mode.
    /// </summary>
    sealed class Slot
    {
        public Buffer? Out, Z, ROut, RZ, Batch;
        public ArrayView<float> In, RIn;
    }

    readonly GpuDevice device;
    readonly GpuRisk risk;
    readonly int chunk, widest, classes;
    readonly Dictionary<Step, Slot> tape = new(ReferenceEqualityComparer.Instance);
    readonly Buffer z1, z2, cols1, cols2, none, zeros, normSums;
    readonly List<Buffer> deltas = [];
    readonly Stack<Buffer> free = [];
    readonly MemoryBuffer1D<double, Stride1D.Dense> loss, correct, partial;
    // A minibatch's examples, labels and indices, gathered on the device (grown as needed).
    Buffer? gathered;
    MemoryBuffer1D<int, Stride1D.Dense>? gatheredLabels, gatheredIndices;

    public GpuBackprop(GpuDevice device, GpuRisk risk, int chunk = 4096)
    {
        this.device = device;
        this.risk = risk;
        var all = Flat(risk.Network).ToList();
        widest = Math.Max(risk.InputSize, all.Max(s => s.OutputSize));
        classes = risk.Network[^1].OutputSize;
        long columns = all.OfType<Conv>().Select(c => (long)c.Shape.Rows * c.Shape.OH * c.Shape.OW).DefaultIfEmpty(1).Max();
        // Per example: outputs and pre-activations with their tangents, four delta and two GEMM buffers, two column matrices, the
        // input's zero tangent.
        long perExample = 4L * all.Sum(s => (long)s.OutputSize) + 6L * widest + 2 * columns + risk.InputSize;
        this.chunk = (int)Math.Max(1, Math.Min(Math.Min(chunk, risk.Count), TapeBudget / perExample));
        var accelerator = device.Accelerator;
        z1 = accelerator.Allocate1D<float>((long)this.chunk * widest);
        z2 = accelerator.Allocate1D<float>((long)this.chunk * widest);
        cols1 = accelerator.Allocate1D<float>(this.chunk * columns);
        cols2 = accelerator.Allocate1D<float>(this.chunk * columns);
        none = accelerator.Allocate1D<float>(1);
        // The data's tangent: examples do not move with theta.
        zeros = accelerator.Allocate1D<float>((long)this.chunk * risk.InputSize);
        zeros.MemSetToZero();
        loss = accelerator.Allocate1D<double>(risk.Count);
        correct = accelerator.Allocate1D<double>(risk.Count);
        int channels = all.Select(s => s switch { Linear l => l.Out, Conv c => c.Out, Norm n => n.Channels, _ => 1 }).Max();
        partial = accelerator.Allocate1D<double>((long)channels * ChannelReduceKernel.Slices);
        normSums = accelerator.Allocate1D<float>(2L * channels);
    }

    // Train mode (a training step with BatchNorm): each BatchNorm normalizes by the batch's statistics, one chunk.
    bool train;

    ArrayView<float> Empty => none.View.SubView(0, 0);

    /// <summary>Per-example losses and correct predictions (1 or 0) of the last passes, for every example they covered.</summary>
    public ArrayView<double> Losses => loss.View;
    public ArrayView<double> Correct => correct.View;

    /// <summary>
    /// The pass over examples [start, start + count) at <paramref name="weights"/>, along <paramref name="v"/> for the
    /// products: per-example losses into <see cref="Losses"/>, and the vector it sums (none for the loss) into
    /// <paramref name="sum"/>, which it first clears.
    /// </summary>
    public void Run(GpuPass pass, ArrayView<float> weights, ArrayView<float> v, int start, int count, ArrayView<float> sum) =>
        Run(pass, weights, v, risk.Features.SubView((long)start * risk.InputSize, (long)count * risk.InputSize), risk.Labels.SubView(start, count), start, sum);

    /// <summary>
    /// The pass over the examples at <paramref name="indices"/> (a minibatch, gathered on the device): their losses into
    /// the first entries of <see cref="Losses"/>, and the vector it sums into <paramref name="sum"/>. In
    /// <paramref name="trainMode"/> BatchNorm normalizes by the minibatch's statistics (<see cref="BatchStatistics"/>),
    /// and the gradient flows through them.
    /// </summary>
    public void Run(GpuPass pass, ArrayView<float> weights, ArrayView<float> v, int[] indices, ArrayView<float> sum, bool trainMode = false)
    {
        int n = indices.Length, width = risk.InputSize;
        if (trainMode && pass is not (GpuPass.Loss or GpuPass.Gradient)) throw new ArgumentException("train mode has no curvature passes", nameof(pass));
        if (trainMode && n > chunk)
            throw new BasinException("{device}", $"BatchNorm normalizes by the statistics of the whole minibatch, whose {n} examples are more than the GPU's chunk of {chunk}",
                $"use a {{batch}} of at most {chunk}, or {{device}} cpu");
        if (gathered is null || gathered.Length < (long)n * width)
        {
            gathered?.Dispose();
            gatheredLabels?.Dispose();
            gatheredIndices?.Dispose();
            gathered = device.Accelerator.Allocate1D<float>((long)n * width);
            gatheredLabels = device.Accelerator.Allocate1D<int>(n);
            gatheredIndices = device.Accelerator.Allocate1D<int>(n);
        }
        var at = gatheredIndices!.View.SubView(0, n);
        at.CopyFromCPU(indices);
        device.Kernels.Gather(risk.Features, risk.Labels, at, gathered.View, gatheredLabels!.View, width);
        train = trainMode;
        try { Run(pass, weights, v, gathered.View.SubView(0, (long)n * width), gatheredLabels.View.SubView(0, n), 0, sum); }
        finally { train = false; }
    }

    /// <summary>
    /// Each BatchNorm's batch mean and biased variance from the last train-mode pass, written at its running statistics'
    /// offsets in <paramref name="statistics"/> (laid out as the model's buffer values).
    /// </summary>
    public void BatchStatistics(double[] statistics)
    {
        foreach (var norm in Flat(risk.Network).OfType<Norm>())
        {
            var batch = tape[norm].Batch!.View.SubView(0, 2 * norm.Channels).GetAsArray1D();
            for (int c = 0; c < batch.Length; c++) statistics[norm.Statistics + c] = batch[c];
        }
    }

    /// <summary>The pass over rows of <paramref name="features"/> and their labels, the losses written from <paramref name="first"/> on.</summary>
    void Run(GpuPass pass, ArrayView<float> weights, ArrayView<float> v, ArrayView<float> features, ArrayView<int> labelsOf, int first, ArrayView<float> sum)
    {
        if (pass != GpuPass.Loss) sum.MemSetToZero();
        bool tangents = pass is GpuPass.HessianVector or GpuPass.GaussNewtonVector;
        int count = (int)labelsOf.Length;
        for (int done = 0; done < count; done += chunk)
        {
            int rows = Math.Min(chunk, count - done), from = first + done;
            var x = features.SubView((long)done * risk.InputSize, (long)rows * risk.InputSize);
            var (logits, rlogits) = Forward(risk.Network, x, tangents ? zeros.View.SubView(0, x.Length) : Empty, rows, weights, v, tangents);
            var labels = labelsOf.SubView(done, rows);
            int n = rows * classes;
            device.Kernels.CrossEntropy(logits.SubView(0, n), labels, loss.View.SubView(from, rows), correct.View.SubView(from, rows), classes);
            if (pass == GpuPass.Loss) continue;
            var p = Rent();
            Buffer? q = null;
            switch (pass)
            {
                case GpuPass.Gradient:
                    device.Kernels.CrossEntropyBackward(logits, labels, p.View, Empty, Empty, classes);
                    break;
                case GpuPass.HessianVector:
                    q = Rent();
                    device.Kernels.CrossEntropyBackward(logits, labels, q.View, rlogits.SubView(0, n), p.View, classes);
                    break;
                default:
                    var gradient = Rent();
                    device.Kernels.CrossEntropyBackward(logits, labels, gradient.View, rlogits.SubView(0, n), p.View, classes);
                    free.Push(gradient);
                    break;
            }
            var (pIn, qIn) = Backward(risk.Network, p, q, rows, weights, v, sum, input: false);
            free.Push(pIn);
            if (qIn is not null) free.Push(qIn);
        }
    }

    Buffer Rent()
    {
        if (free.Count > 0) return free.Pop();
        var buffer = device.Accelerator.Allocate1D<float>((long)chunk * widest);
        deltas.Add(buffer);
        return buffer;
    }

    Slot SlotOf(Step step, bool tangents)
    {
        if (!tape.TryGetValue(step, out var slot)) tape[step] = slot = new Slot();
        long length = (long)chunk * step.OutputSize;
        bool activated = step is Linear { Activation: not GpuActivation.Identity } or Conv { Activation: not GpuActivation.Identity }
            or Norm { Activation: not GpuActivation.Identity };
        var accelerator = device.Accelerator;
        slot.Out ??= accelerator.Allocate1D<float>(length);
        if (activated) slot.Z ??= accelerator.Allocate1D<float>(length);
        if (tangents)
        {
            slot.ROut ??= accelerator.Allocate1D<float>(length);
            if (activated) slot.RZ ??= accelerator.Allocate1D<float>(length);
        }
        return slot;
    }

    /// <summary>The steps' values (and with <paramref name="tangents"/> their R-operator tangents along v) on the tape; returns the last output and its tangent.</summary>
    (ArrayView<float> Out, ArrayView<float> ROut) Forward(List<Step> list, ArrayView<float> x, ArrayView<float> rx, int rows, ArrayView<float> w,
        ArrayView<float> v, bool tangents)
    {
        var k = device.Kernels;
        ArrayView<float> T(ArrayView<float> of, int offset, int length) => offset < 0 ? Empty : of.SubView(offset, length);
        foreach (var step in list)
        {
            var slot = SlotOf(step, tangents);
            (slot.In, slot.RIn) = (x, rx);
            long n = (long)rows * step.OutputSize;
            ArrayView<float> output = slot.Out!.View.SubView(0, n), z = (slot.Z ?? slot.Out!).View.SubView(0, n);
            ArrayView<float> rOutput = tangents ? slot.ROut!.View.SubView(0, n) : Empty, rz = tangents ? (slot.RZ ?? slot.ROut!).View.SubView(0, n) : Empty;
            GpuActivation activation = GpuActivation.Identity;
            switch (step)
            {
                case Linear s:
                    var shape = GemmShape.Of(rows, s.Out, s.In, false, true);
                    k.Gemm(x, w.SubView(s.Weight, (long)s.Out * s.In), z, shape);
                    if (s.Bias >= 0) k.Activation(z, w.SubView(s.Bias, s.Out), z, s.Out, GpuActivation.Identity, 0);
                    if (tangents)
                    {
                        k.Gemm(rx, w.SubView(s.Weight, (long)s.Out * s.In), rz, shape);
                        k.Gemm(x, v.SubView(s.Weight, (long)s.Out * s.In), rz, GemmShape.Of(rows, s.Out, s.In, false, true, accumulate: true));
                        if (s.Bias >= 0) k.Activation(rz, v.SubView(s.Bias, s.Out), rz, s.Out, GpuActivation.Identity, 0);
                    }
                    activation = s.Activation;
                    break;
                case Conv s:
                    var conv = s.Shape with { Images = rows };
                    int positions = conv.OH * conv.OW;
                    var product = GemmShape.Of(s.Out, conv.Columns, conv.Rows, false, false);
                    var weight = w.SubView(s.Weight, (long)s.Out * conv.Rows);
                    k.Im2Col(x, cols1.View, conv);
                    k.Gemm(weight, cols1.View, z1.View, product);
                    k.Channels(z1.View, T(w, s.Bias, s.Out), z, s.Out, positions, rows, GpuActivation.Identity);
                    if (tangents)
                    {
                        k.Im2Col(rx, cols2.View, conv);
                        k.Gemm(weight, cols2.View, z1.View, product);
                        k.Gemm(v.SubView(s.Weight, (long)s.Out * conv.Rows), cols1.View, z1.View, product with { Accumulate = 1 });
                        k.Channels(z1.View, T(v, s.Bias, s.Out), rz, s.Out, positions, rows, GpuActivation.Identity);
                    }
                    activation = s.Activation;
                    break;
                case MaxPool s:
                    k.MaxPool(x, output, s.Shape, rows);
                    if (tangents) k.MaxPoolTangent(x, rx, rOutput, s.Shape, rows);
                    break;
                case AvgPool s:
                    k.AvgPool(x, output, s.Shape, rows);
                    if (tangents) k.AvgPool(rx, rOutput, s.Shape, rows);
                    break;
                case Norm s:
                    var statistics = risk.Statistics.SubView(s.Statistics, 2 * s.Channels);
                    if (train)
                    {
                        statistics = (slot.Batch ??= device.Accelerator.Allocate1D<float>(2L * s.Channels)).View;
                        var batch = Reduce(s.Channels, s.Positions, rows) with { Accumulate = 0, Mean = 1 };
                        k.ChannelReduce(x, Empty, Empty, statistics.SubView(0, s.Channels), partial.View, batch);
                        k.ChannelReduce(x, Empty, statistics, statistics.SubView(s.Channels, s.Channels), partial.View, batch with { Mode = 3 });
                    }
                    k.BatchNorm(x, z, T(w, s.Weight, s.Channels), T(w, s.Bias, s.Channels), statistics, s.Channels, s.Positions, s.Eps, GpuActivation.Identity, n);
                    if (tangents)
                    {
                        k.NormScale(rx, T(w, s.Weight, s.Channels), statistics, rz, s.Channels, s.Positions, s.Eps, false, n);
                        if (s.Weight >= 0)
                        {
                            k.BatchNorm(x, z1.View, v.SubView(s.Weight, s.Channels), v.SubView(s.Bias, s.Channels), statistics, s.Channels, s.Positions, s.Eps,
                                GpuActivation.Identity, n);
                            k.Add(rz, z1.View, rz, n);
                        }
                    }
                    activation = s.Activation;
                    break;
                case Pointwise s:
                    (z, rz, activation) = (x, rx, s.Activation);
                    break;
                case Block s:
                    var (main, rMain) = Forward(s.Main, x, rx, rows, w, v, tangents);
                    var (shortcut, rShortcut) = s.Shortcut.Count > 0 ? Forward(s.Shortcut, x, rx, rows, w, v, tangents) : (x, rx);
                    k.Add(main, shortcut, output, n);
                    if (tangents) k.Add(rMain, rShortcut, rOutput, n);
                    if (s.After.Count > 0) (output, rOutput) = Forward(s.After, output, rOutput, rows, w, v, tangents);
                    break;
            }
            if (activation != GpuActivation.Identity)
            {
                k.Activation(z, Empty, output, step.OutputSize, activation, 0);
                if (tangents) k.ActivationDerivative(z, rz, Empty, Empty, rOutput, activation);
            }
            (x, rx) = (output, rOutput);
        }
        return (x, rx);
    }

    /// <summary>
    /// Carries p (and q, for Hv) from the steps' output back to their input, adding each layer's share of the summed vector
    /// into <paramref name="sum"/>; takes the buffers given and returns the input's (rented). Without
    /// <paramref name="input"/> the first step's input is the data, whose gradient nobody reads: it is not computed.
    /// </summary>
    (Buffer P, Buffer? Q) Backward(List<Step> list, Buffer p, Buffer? q, int rows, ArrayView<float> w, ArrayView<float> v, ArrayView<float> sum,
        bool input = true)
    {
        var k = device.Kernels;
        ArrayView<float> T(ArrayView<float> of, int offset, int length) => offset < 0 ? Empty : of.SubView(offset, length);
        for (int index = list.Count - 1; index >= 0; index--)
        {
            var step = list[index];
            var slot = tape[step];
            bool carry = input || index > 0;
            long n = (long)rows * step.OutputSize, m = (long)rows * step.InputSize;
            var (x, rx) = (slot.In, slot.RIn);
            var (pv, qv) = (p.View.SubView(0, n), q?.View.SubView(0, n) ?? Empty);
            if (step is Block block)
            {
                (p, q) = Backward(block.After, p, q, rows, w, v, sum);
                var (p2, q2) = (Rent(), q is null ? null : Rent());
                p.View.SubView(0, n).CopyTo(p2.View.SubView(0, n));
                if (q is not null) q.View.SubView(0, n).CopyTo(q2!.View.SubView(0, n));
                (p, q) = Backward(block.Main, p, q, rows, w, v, sum, carry);
                if (block.Shortcut.Count > 0) (p2, q2) = Backward(block.Shortcut, p2, q2, rows, w, v, sum, carry);
                k.Add(p.View.SubView(0, m), p2.View.SubView(0, m), p.View.SubView(0, m), m);
                free.Push(p2);
                if (q is not null)
                {
                    k.Add(q.View.SubView(0, m), q2!.View.SubView(0, m), q.View.SubView(0, m), m);
                    free.Push(q2!);
                }
                continue;
            }
            var activation = step switch
            {
                Linear s => s.Activation,
                Conv s => s.Activation,
                Norm s => s.Activation,
                Pointwise s => s.Activation,
                _ => GpuActivation.Identity,
            };
            if (activation != GpuActivation.Identity)
            {
                var (z, rz) = step is Pointwise ? (x, rx) : (slot.Z!.View.SubView(0, n), q is null ? Empty : slot.RZ!.View.SubView(0, n));
                k.ActivationDerivative(z, pv, qv, rz, pv, activation);
                if (q is not null) k.ActivationDerivative(z, qv, Empty, Empty, qv, activation);
            }
            if (step is Pointwise) continue;
            var (pIn, qIn) = (Rent(), q is null ? null : Rent());
            var (pi, qi) = (pIn.View.SubView(0, m), qIn?.View.SubView(0, m) ?? Empty);
            switch (step)
            {
                case Linear s:
                    var weight = w.SubView(s.Weight, (long)s.Out * s.In);
                    var sumWeight = sum.SubView(s.Weight, (long)s.Out * s.In);
                    var outer = GemmShape.Of(s.Out, s.In, rows, true, false, accumulate: true);
                    k.Gemm(pv, x, sumWeight, outer);
                    if (q is not null) k.Gemm(qv, rx, sumWeight, outer);
                    if (s.Bias >= 0) k.ChannelReduce(pv, Empty, Empty, sum.SubView(s.Bias, s.Out), partial.View, Reduce(s.Out, 1, rows));
                    if (!carry) break;
                    k.Gemm(pv, weight, pi, GemmShape.Of(rows, s.In, s.Out, false, false));
                    if (q is not null)
                    {
                        k.Gemm(qv, v.SubView(s.Weight, (long)s.Out * s.In), pi, GemmShape.Of(rows, s.In, s.Out, false, false, accumulate: true));
                        k.Gemm(qv, weight, qi, GemmShape.Of(rows, s.In, s.Out, false, false));
                    }
                    break;
                case Conv s:
                    var conv = s.Shape with { Images = rows };
                    int positions = conv.OH * conv.OW;
                    var convWeight = w.SubView(s.Weight, (long)s.Out * conv.Rows);
                    var sumConv = sum.SubView(s.Weight, (long)s.Out * conv.Rows);
                    var kernelGradient = GemmShape.Of(s.Out, conv.Rows, conv.Columns, false, true, accumulate: true);
                    var inputGradient = GemmShape.Of(conv.Rows, conv.Columns, s.Out, true, false);
                    k.Columns(pv, z1.View, s.Out, positions, rows);
                    k.Im2Col(x, cols1.View, conv);
                    k.Gemm(z1.View, cols1.View, sumConv, kernelGradient);
                    if (s.Bias >= 0) k.ChannelReduce(pv, Empty, Empty, sum.SubView(s.Bias, s.Out), partial.View, Reduce(s.Out, positions, rows));
                    if (q is not null)
                    {
                        k.Columns(qv, z2.View, s.Out, positions, rows);
                        k.Im2Col(rx, cols2.View, conv);
                        k.Gemm(z2.View, cols2.View, sumConv, kernelGradient);
                    }
                    if (!carry) break;
                    k.Gemm(convWeight, z1.View, cols1.View, inputGradient);
                    if (q is not null)
                    {
                        k.Gemm(v.SubView(s.Weight, (long)s.Out * conv.Rows), z2.View, cols1.View, inputGradient with { Accumulate = 1 });
                        k.Gemm(convWeight, z2.View, cols2.View, inputGradient);
                        k.Col2Im(cols2.View, qi, conv);
                    }
                    k.Col2Im(cols1.View, pi, conv);
                    break;
                case MaxPool s when carry:
                    k.MaxPoolBackward(x, pv, pi, s.Shape, rows);
                    if (q is not null) k.MaxPoolBackward(x, qv, qi, s.Shape, rows);
                    break;
                case AvgPool s when carry:
                    k.AvgPoolBackward(pv, pi, s.Shape, rows);
                    if (q is not null) k.AvgPoolBackward(qv, qi, s.Shape, rows);
                    break;
                case Norm s when train:
                    // The batch's statistics depend on x: dx needs the channel sums of dy and dy xhat whether or not they are gradients.
                    var batchStatistics = slot.Batch!.View;
                    var sums = normSums.View.SubView(0, 2 * s.Channels);
                    var channelSum = Reduce(s.Channels, s.Positions, rows) with { Eps = s.Eps, Accumulate = 0 };
                    k.ChannelReduce(pv, Empty, Empty, sums.SubView(0, s.Channels), partial.View, channelSum);
                    k.ChannelReduce(pv, x, batchStatistics, sums.SubView(s.Channels, s.Channels), partial.View, channelSum with { Mode = 1 });
                    if (s.Weight >= 0)
                    {
                        k.Add(sum.SubView(s.Weight, s.Channels), sums.SubView(s.Channels, s.Channels), sum.SubView(s.Weight, s.Channels), s.Channels);
                        k.Add(sum.SubView(s.Bias, s.Channels), sums.SubView(0, s.Channels), sum.SubView(s.Bias, s.Channels), s.Channels);
                    }
                    if (carry) k.NormBackward(pv, x, T(w, s.Weight, s.Channels), batchStatistics, sums, pi, s.Channels, s.Positions, s.Eps, rows);
                    break;
                case Norm s:
                    var statistics = risk.Statistics.SubView(s.Statistics, 2 * s.Channels);
                    var shape = Reduce(s.Channels, s.Positions, rows) with { Eps = s.Eps };
                    if (s.Weight >= 0)
                    {
                        var sumScale = sum.SubView(s.Weight, s.Channels);
                        k.ChannelReduce(pv, x, statistics, sumScale, partial.View, shape with { Mode = 1 });
                        if (q is not null) k.ChannelReduce(qv, rx, statistics, sumScale, partial.View, shape with { Mode = 2 });
                        k.ChannelReduce(pv, Empty, Empty, sum.SubView(s.Bias, s.Channels), partial.View, shape);
                    }
                    if (!carry) break;
                    k.NormScale(pv, T(w, s.Weight, s.Channels), statistics, pi, s.Channels, s.Positions, s.Eps, false, m);
                    if (q is not null)
                    {
                        if (s.Weight >= 0) k.NormScale(qv, v.SubView(s.Weight, s.Channels), statistics, pi, s.Channels, s.Positions, s.Eps, true, m);
                        k.NormScale(qv, T(w, s.Weight, s.Channels), statistics, qi, s.Channels, s.Positions, s.Eps, false, m);
                    }
                    break;
            }
            free.Push(p);
            if (q is not null) free.Push(q);
            (p, q) = (pIn, qIn);
        }
        return (p, q);
    }

    static ReduceShape Reduce(int channels, int positions, int images) =>
        new() { Channels = channels, Positions = positions, Images = images, Accumulate = 1 };

    public void Dispose()
    {
        var slots = tape.Values.SelectMany(s => new[] { s.Out, s.Z, s.ROut, s.RZ, s.Batch }).OfType<Buffer>();
        foreach (var buffer in new MemoryBuffer?[] { z1, z2, cols1, cols2, none, zeros, normSums, loss, correct, partial, gathered, gatheredLabels, gatheredIndices }
            .OfType<MemoryBuffer>().Concat(slots).Concat(deltas)) buffer.Dispose();
    }
}
