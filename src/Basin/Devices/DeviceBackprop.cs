using static Basin.Devices.DeviceSteps;
using Buffer = Basin.Devices.DeviceBuffer<float>;

namespace Basin.Devices;

/// <summary>What a backward pass sums over the examples: nothing (the loss alone), the gradient, Hv or Gv.</summary>
internal enum DevicePass { Loss, Gradient, HessianVector, GaussNewtonVector }

/// <summary>
/// Backward passes over a risk's data on a device, in eval mode: each example's loss and whether it is correct, and the sum
/// over a range of examples of the loss gradients, of the Hessian-vector products or of the Gauss-Newton-vector products
/// along v. Products are exact, by Pearlmutter's R-operator (1994): a forward pass carries each value's tangent along v
/// (Rz), then one backward pass carries two vectors, p summed into the result and, for Hv, q = the gradient, whose
/// second-order terms (q f''(z) Rz, q V, q^T Rx) join p at each layer; for Gv p starts at the softmax Hessian times R(logits)
/// and meets no second-order terms; for the gradient p is the gradient. Every layer's values stay on the device (a tape
/// per chunk of examples); only the sums come back.
/// </summary>
internal sealed class DeviceBackprop : IDisposable
{
    /// <summary>Floats the tape and scratch of one chunk may take (4 GB): the chunk shrinks for wide networks.</summary>
    const long TapeBudget = 1L << 30;

    /// <summary>A step's values for the chunk: its output, pre-activations (none when no activation follows), their tangents, and its input.</summary>
    sealed class Slot
    {
        public Buffer Out, Z, ROut, RZ, In, RIn;
    }

    readonly IBackend backend;
    readonly DeviceRisk risk;
    readonly int chunk, widest, classes;
    readonly Dictionary<Step, Slot> tape = new(ReferenceEqualityComparer.Instance);
    readonly Buffer z1, z2, cols1, cols2, zeros, normSums, batchStatistics;
    readonly List<Buffer> deltas = [];
    readonly Stack<Buffer> free = [];
    readonly DeviceBuffer<double> loss, correct;
    // A minibatch's examples, labels and indices, gathered on the device (grown as needed).
    Buffer gathered, augmented;
    DeviceBuffer<int> gatheredLabels, gatheredIndices, shifts;
    DeviceBuffer<float> fill;

    public DeviceBackprop(DeviceRisk risk, int chunk = 4096)
    {
        backend = risk.Backend;
        this.risk = risk;
        var all = Flat(risk.Network).ToList();
        widest = Math.Max(risk.InputSize, all.Max(s => s.OutputSize));
        classes = risk.Network[^1].OutputSize;
        long columns = all.OfType<Conv>().Select(c => (long)c.Shape.Rows * c.Shape.OH * c.Shape.OW).DefaultIfEmpty(1).Max();
        // Per example: outputs and pre-activations with their tangents, four delta and two GEMM buffers, two column matrices, the
        // input's zero tangent.
        long perExample = 4L * all.Sum(s => (long)s.OutputSize) + 6L * widest + 2 * columns + risk.InputSize;
        this.chunk = (int)Math.Max(1, Math.Min(Math.Min(chunk, risk.Count), TapeBudget / perExample));
        z1 = backend.Allocate<float>((long)this.chunk * widest);
        z2 = backend.Allocate<float>((long)this.chunk * widest);
        cols1 = backend.Allocate<float>(this.chunk * columns);
        cols2 = backend.Allocate<float>(this.chunk * columns);
        // The data's tangent: examples do not move with theta.
        zeros = backend.Allocate<float>((long)this.chunk * risk.InputSize);
        backend.Zero(zeros);
        loss = backend.Allocate<double>(risk.Count);
        correct = backend.Allocate<double>(risk.Count);
        int channels = all.Select(s => s switch { Linear l => l.Out, Conv c => c.Out, Norm n => n.Channels, _ => 1 }).Max();
        normSums = backend.Allocate<float>(2L * channels);
        // Each BatchNorm's batch mean and biased variance in train mode, laid out as the running statistics.
        batchStatistics = backend.Allocate<float>(risk.Statistics.Length);
    }

    // Train mode (a training step with BatchNorm): each BatchNorm normalizes by the batch's statistics, one chunk.
    bool train;

    static Buffer Empty => default;

    /// <summary>Per-example losses and correct predictions (1 or 0) of the last passes, for every example they covered.</summary>
    public DeviceBuffer<double> Losses => loss;
    public DeviceBuffer<double> Correct => correct;

    /// <summary>
    /// The pass over examples [start, start + count) at <paramref name="weights"/>, along <paramref name="v"/> for the
    /// products: per-example losses into <see cref="Losses"/>, and the vector it sums (none for the loss) into
    /// <paramref name="sum"/>, which it first clears.
    /// </summary>
    public void Run(DevicePass pass, Buffer weights, Buffer v, int start, int count, Buffer sum) =>
        Run(pass, weights, v, risk.Features.Slice((long)start * risk.InputSize, (long)count * risk.InputSize), risk.Labels.Slice(start, count), start, sum);

    /// <summary>
    /// The pass over the examples at <paramref name="indices"/> (a minibatch, gathered on the device): their losses into
    /// the first entries of <see cref="Losses"/>, and the vector it sums into <paramref name="sum"/>. In
    /// <paramref name="trainMode"/> BatchNorm normalizes by the minibatch's statistics (<see cref="BatchStatistics"/>),
    /// and the gradient flows through them. With <paramref name="crops"/> the gathered images are first cropped and flipped.
    /// </summary>
    public void Run(DevicePass pass, Buffer weights, Buffer v, int[] indices, Buffer sum, bool trainMode = false, Data.ImageCrops? crops = null)
    {
        int n = indices.Length, width = risk.InputSize;
        if (trainMode && pass is not (DevicePass.Loss or DevicePass.Gradient)) throw new ArgumentException("train mode has no curvature passes", nameof(pass));
        if (trainMode && n > chunk)
            throw new BasinException("{device}", $"BatchNorm normalizes by the statistics of the whole minibatch, whose {n} examples are more than the GPU's chunk of {chunk}",
                $"use a {{batch}} of at most {chunk}, or {{device}} cpu");
        if (!gathered.Exists || gathered.Length < (long)n * width)
        {
            FreeGathered();
            gathered = backend.Allocate<float>((long)n * width);
            gatheredLabels = backend.Allocate<int>(n);
            gatheredIndices = backend.Allocate<int>(n);
        }
        var at = gatheredIndices.Take(n);
        backend.CopyFrom(indices, at);
        var examples = gathered.Take((long)n * width);
        backend.Gather(risk.Features, risk.Labels, at, examples, gatheredLabels.Take(n), width);
        if (crops is not null)
        {
            if (!augmented.Exists) (augmented, shifts) = (backend.Allocate<float>(gathered.Length), backend.Allocate<int>(3 * gatheredIndices.Length));
            if (!fill.Exists) fill = backend.Upload(crops.Fill);
            backend.CopyFrom(crops.Shifts, shifts.Take(3L * n));
            backend.Augment(examples, shifts.Take(3L * n), fill, augmented.Take((long)n * width), crops.Channels, crops.Height, crops.Width, n);
            examples = augmented.Take((long)n * width);
        }
        train = trainMode;
        try { Run(pass, weights, v, examples, gatheredLabels.Take(n), 0, sum); }
        finally { train = false; }
    }

    /// <summary>
    /// Each BatchNorm's batch mean and biased variance from the last train-mode pass, written at its running statistics'
    /// offsets in <paramref name="statistics"/> (laid out as the model's buffer values).
    /// </summary>
    public void BatchStatistics(double[] statistics)
    {
        var batch = backend.Download(batchStatistics);
        for (int i = 0; i < batch.Length; i++) statistics[i] = batch[i];
    }

    void FreeGathered()
    {
        if (!gathered.Exists) return;
        backend.Free(gathered);
        backend.Free(gatheredLabels);
        backend.Free(gatheredIndices);
        if (augmented.Exists)
        {
            backend.Free(augmented);
            backend.Free(shifts);
            augmented = default;
        }
    }

    /// <summary>The pass over rows of <paramref name="features"/> and their labels, the losses written from <paramref name="first"/> on.</summary>
    void Run(DevicePass pass, Buffer weights, Buffer v, Buffer features, DeviceBuffer<int> labelsOf, int first, Buffer sum)
    {
        risk.Refresh();
        if (pass != DevicePass.Loss) backend.Zero(sum);
        bool tangents = pass is DevicePass.HessianVector or DevicePass.GaussNewtonVector;
        int count = (int)labelsOf.Length;
        for (int done = 0; done < count; done += chunk)
        {
            int rows = Math.Min(chunk, count - done), from = first + done;
            var x = features.Slice((long)done * risk.InputSize, (long)rows * risk.InputSize);
            var (logits, rlogits) = Forward(risk.Network, x, tangents ? zeros.Take(x.Length) : Empty, rows, weights, v, tangents);
            var labels = labelsOf.Slice(done, rows);
            int n = rows * classes;
            backend.CrossEntropy(logits.Take(n), labels, loss.Slice(from, rows), correct.Slice(from, rows), classes);
            if (pass == DevicePass.Loss) continue;
            var p = Rent();
            Buffer? q = null;
            switch (pass)
            {
                case DevicePass.Gradient:
                    backend.CrossEntropyBackward(logits, labels, p, Empty, Empty, classes);
                    break;
                case DevicePass.HessianVector:
                    q = Rent();
                    backend.CrossEntropyBackward(logits, labels, q.Value, rlogits.Take(n), p, classes);
                    break;
                default:
                    var gradient = Rent();
                    backend.CrossEntropyBackward(logits, labels, gradient, rlogits.Take(n), p, classes);
                    free.Push(gradient);
                    break;
            }
            var (pIn, qIn) = Backward(risk.Network, p, q, rows, weights, v, sum, input: false);
            free.Push(pIn);
            if (qIn is { } qUsed) free.Push(qUsed);
        }
    }

    Buffer Rent()
    {
        if (free.Count > 0) return free.Pop();
        var buffer = backend.Allocate<float>((long)chunk * widest);
        deltas.Add(buffer);
        return buffer;
    }

    Slot SlotOf(Step step, bool tangents)
    {
        if (!tape.TryGetValue(step, out var slot)) tape[step] = slot = new Slot();
        long length = (long)chunk * step.OutputSize;
        bool activated = step is Linear { Activation: not ActivationKind.Identity } or Conv { Activation: not ActivationKind.Identity }
            or Norm { Activation: not ActivationKind.Identity };
        if (!slot.Out.Exists) slot.Out = backend.Allocate<float>(length);
        if (activated && !slot.Z.Exists) slot.Z = backend.Allocate<float>(length);
        if (tangents)
        {
            if (!slot.ROut.Exists) slot.ROut = backend.Allocate<float>(length);
            if (activated && !slot.RZ.Exists) slot.RZ = backend.Allocate<float>(length);
        }
        return slot;
    }

    /// <summary>The steps' values (and with <paramref name="tangents"/> their R-operator tangents along v) on the tape; returns the last output and its tangent.</summary>
    (Buffer Out, Buffer ROut) Forward(List<Step> list, Buffer x, Buffer rx, int rows, Buffer w,
        Buffer v, bool tangents)
    {
        var k = backend;
        Buffer T(Buffer of, int offset, int length) => offset < 0 ? Empty : of.Slice(offset, length);
        foreach (var step in list)
        {
            var slot = SlotOf(step, tangents);
            (slot.In, slot.RIn) = (x, rx);
            long n = (long)rows * step.OutputSize;
            Buffer output = slot.Out.Take(n), z = (slot.Z.Exists ? slot.Z : slot.Out).Take(n);
            Buffer rOutput = tangents ? slot.ROut.Take(n) : Empty, rz = tangents ? (slot.RZ.Exists ? slot.RZ : slot.ROut).Take(n) : Empty;
            ActivationKind activation = ActivationKind.Identity;
            switch (step)
            {
                case Linear s:
                    var shape = GemmShape.Of(rows, s.Out, s.In, false, true);
                    k.Gemm(x, w.Slice(s.Weight, (long)s.Out * s.In), z, shape);
                    if (s.Bias >= 0) k.Activation(z, w.Slice(s.Bias, s.Out), z, s.Out, ActivationKind.Identity, 0);
                    if (tangents)
                    {
                        k.Gemm(rx, w.Slice(s.Weight, (long)s.Out * s.In), rz, shape);
                        k.Gemm(x, v.Slice(s.Weight, (long)s.Out * s.In), rz, GemmShape.Of(rows, s.Out, s.In, false, true, accumulate: true));
                        if (s.Bias >= 0) k.Activation(rz, v.Slice(s.Bias, s.Out), rz, s.Out, ActivationKind.Identity, 0);
                    }
                    activation = s.Activation;
                    break;
                case Conv s:
                    var conv = s.Shape with { Images = rows };
                    int positions = conv.OH * conv.OW;
                    var product = GemmShape.Of(s.Out, conv.Columns, conv.Rows, false, false);
                    var weight = w.Slice(s.Weight, (long)s.Out * conv.Rows);
                    k.Im2Col(x, cols1, conv);
                    k.Gemm(weight, cols1, z1, product);
                    k.Channels(z1, T(w, s.Bias, s.Out), z, s.Out, positions, rows, ActivationKind.Identity);
                    if (tangents)
                    {
                        k.Im2Col(rx, cols2, conv);
                        k.Gemm(weight, cols2, z1, product);
                        k.Gemm(v.Slice(s.Weight, (long)s.Out * conv.Rows), cols1, z1, product with { Accumulate = 1 });
                        k.Channels(z1, T(v, s.Bias, s.Out), rz, s.Out, positions, rows, ActivationKind.Identity);
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
                    var statistics = risk.Statistics.Slice(s.Statistics, 2 * s.Channels);
                    if (train)
                    {
                        statistics = batchStatistics.Slice(s.Statistics, 2 * s.Channels);
                        var batch = Reduce(s.Channels, s.Positions, rows) with { Accumulate = 0, Mean = 1 };
                        k.ChannelReduce(x, Empty, Empty, statistics.Take(s.Channels), batch);
                        k.ChannelReduce(x, Empty, statistics, statistics.Slice(s.Channels, s.Channels), batch with { Mode = 3 });
                    }
                    k.BatchNorm(x, z, T(w, s.Weight, s.Channels), T(w, s.Bias, s.Channels), statistics, s.Channels, s.Positions, s.Eps, ActivationKind.Identity, n);
                    if (tangents)
                    {
                        k.NormScale(rx, T(w, s.Weight, s.Channels), statistics, rz, s.Channels, s.Positions, s.Eps, false, n);
                        if (s.Weight >= 0)
                        {
                            k.BatchNorm(x, z1, v.Slice(s.Weight, s.Channels), v.Slice(s.Bias, s.Channels), statistics, s.Channels, s.Positions, s.Eps,
                                ActivationKind.Identity, n);
                            k.Add(rz, z1, rz, n);
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
            if (activation != ActivationKind.Identity)
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
    (Buffer P, Buffer? Q) Backward(List<Step> list, Buffer p, Buffer? q, int rows, Buffer w, Buffer v, Buffer sum,
        bool input = true)
    {
        var k = backend;
        Buffer T(Buffer of, int offset, int length) => offset < 0 ? Empty : of.Slice(offset, length);
        for (int index = list.Count - 1; index >= 0; index--)
        {
            var step = list[index];
            var slot = tape[step];
            bool carry = input || index > 0;
            long n = (long)rows * step.OutputSize, m = (long)rows * step.InputSize;
            var (x, rx) = (slot.In, slot.RIn);
            var (pv, qv) = (p.Take(n), q?.Take(n) ?? Empty);
            if (step is Block block)
            {
                (p, q) = Backward(block.After, p, q, rows, w, v, sum);
                var (p2, q2) = (Rent(), q is null ? (Buffer?)null : Rent());
                k.Copy(p.Take(n), p2.Take(n));
                if (q is { } qAfter) k.Copy(qAfter.Take(n), q2!.Value.Take(n));
                (p, q) = Backward(block.Main, p, q, rows, w, v, sum, carry);
                if (block.Shortcut.Count > 0) (p2, q2) = Backward(block.Shortcut, p2, q2, rows, w, v, sum, carry);
                k.Add(p.Take(m), p2.Take(m), p.Take(m), m);
                free.Push(p2);
                if (q is { } qMain)
                {
                    k.Add(qMain.Take(m), q2!.Value.Take(m), qMain.Take(m), m);
                    free.Push(q2!.Value);
                }
                continue;
            }
            var activation = step switch
            {
                Linear s => s.Activation,
                Conv s => s.Activation,
                Norm s => s.Activation,
                Pointwise s => s.Activation,
                _ => ActivationKind.Identity,
            };
            if (activation != ActivationKind.Identity)
            {
                var (z, rz) = step is Pointwise ? (x, rx) : (slot.Z.Take(n), q is null ? Empty : slot.RZ.Take(n));
                k.ActivationDerivative(z, pv, qv, rz, pv, activation);
                if (q is not null) k.ActivationDerivative(z, qv, Empty, Empty, qv, activation);
            }
            if (step is Pointwise) continue;
            var (pIn, qIn) = (Rent(), q is null ? (Buffer?)null : Rent());
            var (pi, qi) = (pIn.Take(m), qIn?.Take(m) ?? Empty);
            switch (step)
            {
                case Linear s:
                    var weight = w.Slice(s.Weight, (long)s.Out * s.In);
                    var sumWeight = sum.Slice(s.Weight, (long)s.Out * s.In);
                    var outer = GemmShape.Of(s.Out, s.In, rows, true, false, accumulate: true);
                    k.Gemm(pv, x, sumWeight, outer);
                    if (q is not null) k.Gemm(qv, rx, sumWeight, outer);
                    if (s.Bias >= 0) k.ChannelReduce(pv, Empty, Empty, sum.Slice(s.Bias, s.Out), Reduce(s.Out, 1, rows));
                    if (!carry) break;
                    k.Gemm(pv, weight, pi, GemmShape.Of(rows, s.In, s.Out, false, false));
                    if (q is not null)
                    {
                        k.Gemm(qv, v.Slice(s.Weight, (long)s.Out * s.In), pi, GemmShape.Of(rows, s.In, s.Out, false, false, accumulate: true));
                        k.Gemm(qv, weight, qi, GemmShape.Of(rows, s.In, s.Out, false, false));
                    }
                    break;
                case Conv s:
                    var conv = s.Shape with { Images = rows };
                    int positions = conv.OH * conv.OW;
                    var convWeight = w.Slice(s.Weight, (long)s.Out * conv.Rows);
                    var sumConv = sum.Slice(s.Weight, (long)s.Out * conv.Rows);
                    var kernelGradient = GemmShape.Of(s.Out, conv.Rows, conv.Columns, false, true, accumulate: true);
                    var inputGradient = GemmShape.Of(conv.Rows, conv.Columns, s.Out, true, false);
                    k.Columns(pv, z1, s.Out, positions, rows);
                    k.Im2Col(x, cols1, conv);
                    k.Gemm(z1, cols1, sumConv, kernelGradient);
                    if (s.Bias >= 0) k.ChannelReduce(pv, Empty, Empty, sum.Slice(s.Bias, s.Out), Reduce(s.Out, positions, rows));
                    if (q is not null)
                    {
                        k.Columns(qv, z2, s.Out, positions, rows);
                        k.Im2Col(rx, cols2, conv);
                        k.Gemm(z2, cols2, sumConv, kernelGradient);
                    }
                    if (!carry) break;
                    k.Gemm(convWeight, z1, cols1, inputGradient);
                    if (q is not null)
                    {
                        k.Gemm(v.Slice(s.Weight, (long)s.Out * conv.Rows), z2, cols1, inputGradient with { Accumulate = 1 });
                        k.Gemm(convWeight, z2, cols2, inputGradient);
                        k.Col2Im(cols2, qi, conv);
                    }
                    k.Col2Im(cols1, pi, conv);
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
                    var batch = batchStatistics.Slice(s.Statistics, 2 * s.Channels);
                    var sums = normSums.Take(2 * s.Channels);
                    var channelSum = Reduce(s.Channels, s.Positions, rows) with { Eps = s.Eps, Accumulate = 0 };
                    k.ChannelReduce(pv, Empty, Empty, sums.Take(s.Channels), channelSum);
                    k.ChannelReduce(pv, x, batch, sums.Slice(s.Channels, s.Channels), channelSum with { Mode = 1 });
                    if (s.Weight >= 0)
                    {
                        k.Add(sum.Slice(s.Weight, s.Channels), sums.Slice(s.Channels, s.Channels), sum.Slice(s.Weight, s.Channels), s.Channels);
                        k.Add(sum.Slice(s.Bias, s.Channels), sums.Take(s.Channels), sum.Slice(s.Bias, s.Channels), s.Channels);
                    }
                    if (carry) k.NormBackward(pv, x, T(w, s.Weight, s.Channels), batch, sums, pi, s.Channels, s.Positions, s.Eps, rows);
                    break;
                case Norm s:
                    var statistics = risk.Statistics.Slice(s.Statistics, 2 * s.Channels);
                    var shape = Reduce(s.Channels, s.Positions, rows) with { Eps = s.Eps };
                    if (s.Weight >= 0)
                    {
                        var sumScale = sum.Slice(s.Weight, s.Channels);
                        k.ChannelReduce(pv, x, statistics, sumScale, shape with { Mode = 1 });
                        if (q is not null) k.ChannelReduce(qv, rx, statistics, sumScale, shape with { Mode = 2 });
                        k.ChannelReduce(pv, Empty, Empty, sum.Slice(s.Bias, s.Channels), shape);
                    }
                    if (!carry) break;
                    k.NormScale(pv, T(w, s.Weight, s.Channels), statistics, pi, s.Channels, s.Positions, s.Eps, false, m);
                    if (q is not null)
                    {
                        if (s.Weight >= 0) k.NormScale(qv, v.Slice(s.Weight, s.Channels), statistics, pi, s.Channels, s.Positions, s.Eps, true, m);
                        k.NormScale(qv, T(w, s.Weight, s.Channels), statistics, qi, s.Channels, s.Positions, s.Eps, false, m);
                    }
                    break;
            }
            free.Push(p);
            if (q is { } qRead) free.Push(qRead);
            (p, q) = (pIn, qIn);
        }
        return (p, q);
    }

    static ReduceShape Reduce(int channels, int positions, int images) =>
        new() { Channels = channels, Positions = positions, Images = images, Accumulate = 1 };

    public void Dispose()
    {
        foreach (var slot in tape.Values)
            foreach (var buffer in new[] { slot.Out, slot.Z, slot.ROut, slot.RZ }.Where(b => b.Exists)) backend.Free(buffer);
        foreach (var buffer in new[] { z1, z2, cols1, cols2, zeros, normSums, batchStatistics }.Concat(deltas)) backend.Free(buffer);
        backend.Free(loss);
        backend.Free(correct);
        FreeGathered();
        if (fill.Exists) backend.Free(fill);
    }
}
