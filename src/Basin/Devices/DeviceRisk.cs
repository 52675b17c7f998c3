using static Basin.Devices.DeviceSteps;
using Basin.Data;
using Basin.Engine;
using Basin.Engine.Layers;
using Basin.Objective;

namespace Basin.Devices;

/// <summary>
/// A network's cross-entropy over a data set on a device (its backend), the examples and labels uploaded once: at any weights on the
/// device, each example's loss and whether it is classified correctly, in chunks of examples. A linear layer is one GEMM
/// (x W^T) and a bias-and-activation pass; a convolution builds the chunk's column matrix, multiplies it by W in one GEMM
/// and writes the result back in the images' layout with bias and activation; pooling and eval-mode BatchNorm (with the
/// model's running statistics) are one pass each; a residual block runs both branches from its input and adds them.
/// Activations live in buffers rented per step and returned once read. The mean sums the examples' losses on the device
/// in a fixed order.
/// </summary>
internal sealed class DeviceRisk : IDisposable
{
    /// <summary>Column matrices are kept under this many floats (256 MB): the chunk shrinks for wide convolutions.</summary>
    const long ColumnBudget = 64L << 20;

    readonly IBackend backend;
    readonly List<Step> steps;
    readonly int chunk, inputSize;
    readonly DeviceBuffer<float> examples, z, cols, statistics;
    // Activations of the chunk: rented for a step's output, returned when no step reads them any more.
    readonly List<DeviceBuffer<float>> activations = [];
    readonly Stack<DeviceBuffer<float>> free = [];
    readonly long activationLength;
    readonly DeviceBuffer<int> labels;
    readonly DeviceBuffer<double> loss, correct, total;
    // The running statistics the device normalizes by in eval mode, and their values as last uploaded.
    readonly ModelBuffers source;
    double[] uploaded;

    public int Count { get; }
    public int Parameters { get; }

    /// <summary>The network's steps, and the data, labels and BatchNorm statistics on the device, for the backward passes.</summary>
    internal List<Step> Network => steps;
    internal int InputSize => inputSize;
    internal DeviceBuffer<float> Features => examples;
    internal DeviceBuffer<int> Labels => labels;
    internal DeviceBuffer<float> Statistics => statistics;
    internal IBackend Backend => backend;

    /// <param name="statistics">
    /// The BatchNorm running statistics to normalize by (the network's own when null): those of the model a command
    /// loaded, followed as they change (a curve's training, update_bn).
    /// </param>
    public DeviceRisk(IBackend backend, Network<float> network, DataSet data, int chunk = 8192, ModelBuffers? statistics = null)
    {
        if (data.Labels is null)
            throw new BasinException("{device}", "the CUDA backend evaluates the cross-entropy of labelled data only so far", "use {device} cpu");
        this.backend = backend;
        steps = DeviceSteps.Compile(network);
        Count = data.Count;
        Parameters = network.ParameterCount;
        inputSize = network.InputSize;
        var all = DeviceSteps.Flat(steps).ToList();
        int widest = Math.Max(inputSize, all.Max(s => s.OutputSize));
        long columns = all.OfType<Conv>().Select(c => (long)c.Shape.Rows * c.Shape.OH * c.Shape.OW).DefaultIfEmpty(0).Max();
        this.chunk = (int)Math.Max(1, Math.Min(Math.Min(chunk, Count), columns == 0 ? Count : ColumnBudget / columns));
        var features = new float[(long)Count * inputSize];
        data.CopyFeatures(0, Count, features);
        examples = backend.Upload(features);
        labels = backend.Upload(data.Labels);
        activationLength = (long)this.chunk * widest;
        z = backend.Allocate<float>(activationLength);
        cols = backend.Allocate<float>(this.chunk * columns);
        source = statistics ?? network.Buffers;
        if (source.Values.Length != network.Buffers.Values.Length)
            throw new ArgumentException($"{source.Values.Length} running statistics for a network with {network.Buffers.Values.Length}", nameof(statistics));
        uploaded = (double[])source.Values.Clone();
        this.statistics = backend.Upload(Array.ConvertAll(uploaded, v => (float)v));
        loss = backend.Allocate<double>(Count);
        correct = backend.Allocate<double>(Count);
        total = backend.Allocate<double>(2);
    }

    /// <summary>The mean loss and accuracy at theta (uploaded for the call).</summary>
    public Evaluation Evaluate(ReadOnlySpan<float> theta)
    {
        var weights = backend.Upload(theta.ToArray());
        try { return Evaluate(weights); }
        finally { backend.Free(weights); }
    }

    /// <summary>The mean loss and accuracy at weights already on the device.</summary>
    public Evaluation Evaluate(DeviceBuffer<float> weights)
    {
        Sums(weights, total);
        var sums = backend.Download(total);
        return new Evaluation(sums[0] / Count, sums[1] / Count, Count);
    }

    /// <summary>
    /// The summed loss and the number classified correctly at weights on the device, left on the device in
    /// <paramref name="into"/> (two values), for results fetched in batches.
    /// </summary>
    public void Sums(DeviceBuffer<float> weights, DeviceBuffer<double> into)
    {
        Refresh();
        Examples(weights);
        backend.Sum(loss, into.Slice(0, 1), Count);
        backend.Sum(correct, into.Slice(1, 1), Count);
    }

    /// <summary>Uploads the running statistics again if the model's have changed since they were last uploaded (float64 holds float32 values exactly).</summary>
    internal void Refresh()
    {
        if (source.Values.AsSpan().SequenceEqual(uploaded)) return;
        uploaded = (double[])source.Values.Clone();
        backend.CopyFrom(Array.ConvertAll(uploaded, v => (float)v), statistics);
    }

    void Examples(DeviceBuffer<float> weights)
    {
        for (int start = 0; start < Count; start += chunk)
        {
            int rows = Math.Min(chunk, Count - start);
            // The last step is a linear layer, so the logits are in a rented buffer.
            var logits = Forward(steps, examples.Slice((long)start * inputSize, (long)rows * inputSize), null, rows, weights)!.Value;
            int classes = steps[^1].OutputSize;
            backend.CrossEntropy(logits.Take((long)rows * classes), labels.Slice(start, rows), loss.Slice(start, rows), correct.Slice(start, rows), classes);
            free.Push(logits);
        }
    }

    /// <summary>A buffer for one step's output (kernels run in order on one stream, so a buffer returned is free for the next).</summary>
    DeviceBuffer<float> Rent()
    {
        if (free.Count > 0) return free.Pop();
        var buffer = backend.Allocate<float>(activationLength);
        activations.Add(buffer);
        return buffer;
    }

    /// <summary>
    /// The steps applied to <paramref name="input"/>, held in <paramref name="owned"/> when it is a rented buffer (returned
    /// once read): the rented buffer holding the output, or null when there were no steps and the input was not rented.
    /// </summary>
    DeviceBuffer<float>? Forward(List<Step> list, DeviceBuffer<float> input, DeviceBuffer<float>? owned, int rows, DeviceBuffer<float> weights)
    {
                // A tensor of theta, or an empty view for one the layer does not have.
        DeviceBuffer<float> Tensor(int offset, int length) => offset < 0 ? weights.Empty : weights.Slice(offset, length);
        foreach (var step in list)
        {
            var result = Rent();
            var output = result;
            switch (step)
            {
                case Block block:
                    var main = Forward(block.Main, input, null, rows, weights)!.Value;
                    var shortcut = Forward(block.Shortcut, input, null, rows, weights);
                    backend.Add(main, shortcut ?? input, output, (long)rows * block.Out);
                    free.Push(main);
                    if (shortcut is { } used) free.Push(used);
                    if (owned is { } read) free.Push(read);
                    owned = Forward(block.After, output, result, rows, weights)!.Value;
                    input = owned.Value;
                    continue;
                case Linear s:
                    var y = output.Take((long)rows * s.Out);
                    backend.Gemm(input, weights.Slice(s.Weight, (long)s.Out * s.In), y, GemmShape.Of(rows, s.Out, s.In, transposeA: false, transposeB: true));
                    backend.Activation(y, Tensor(s.Bias, s.Out), y, s.Out, s.Activation, 0);
                    break;
                case Conv s:
                    var shape = s.Shape with { Images = rows };
                    backend.Im2Col(input, cols, shape);
                    backend.Gemm(weights.Slice(s.Weight, (long)s.Out * shape.Rows), cols, z, GemmShape.Of(s.Out, shape.Columns, shape.Rows, false, false));
                    backend.Channels(z, Tensor(s.Bias, s.Out), output, s.Out, shape.OH * shape.OW, rows, s.Activation);
                    break;
                case MaxPool s:
                    backend.MaxPool(input, output, s.Shape, rows);
                    break;
                case AvgPool s:
                    backend.AvgPool(input, output, s.Shape, rows);
                    break;
                case Pointwise s:
                    backend.Activation(input.Take((long)rows * s.Size), weights.Empty, output.Take((long)rows * s.Size), s.Size, s.Activation, 0);
                    break;
                case Norm s:
                    backend.BatchNorm(input, output, Tensor(s.Weight, s.Channels), Tensor(s.Bias, s.Channels), statistics.Slice(s.Statistics, 2 * s.Channels),
                        s.Channels, s.Positions, s.Eps, s.Activation, (long)rows * s.InputSize);
                    break;
            }
            if (owned is { } done) free.Push(done);
            (input, owned) = (output, result);
        }
        return owned;
    }

    public void Dispose()
    {
        foreach (var buffer in new[] { examples, z, cols, statistics }.Concat(activations)) backend.Free(buffer);
        backend.Free(labels);
        foreach (var buffer in new[] { loss, correct, total }) backend.Free(buffer);
    }
}
