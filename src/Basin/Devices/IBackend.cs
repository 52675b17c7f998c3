namespace Basin.Devices;

/// <summary>
/// The operations the device passes (<see cref="DeviceRisk"/>, <see cref="DeviceBackprop"/>) run on: memory, and every
/// layer's forward, backward and R-operator arithmetic over a chunk of examples. <see cref="CpuBackend"/> runs them with
/// the CPU engine's kernels; Basin.Cuda's CudaBackend with ILGPU kernels on a GPU. Operations run in the order they are
/// called (a GPU's stream), every sum that reaches a result in a fixed order; a download waits for what came before it.
/// Images are laid out images x channels x positions, matrices row-major.
/// </summary>
internal interface IBackend
{
    /// <summary>What runs the operations, for the user (a GPU's name, memory and driver).</summary>
    string Describe { get; }

    DeviceBuffer<T> Allocate<T>(long length) where T : unmanaged;

    /// <summary>A new allocation holding <paramref name="values"/>.</summary>
    DeviceBuffer<T> Upload<T>(T[] values) where T : unmanaged;

    /// <summary>Writes <paramref name="values"/> (the view's length of them) into the view.</summary>
    void CopyFrom<T>(T[] values, DeviceBuffer<T> to) where T : unmanaged;

    T[] Download<T>(DeviceBuffer<T> from) where T : unmanaged;
    void Copy<T>(DeviceBuffer<T> from, DeviceBuffer<T> to) where T : unmanaged;
    void Zero<T>(DeviceBuffer<T> buffer) where T : unmanaged;

    /// <summary>Releases the allocation the view is of.</summary>
    void Free<T>(DeviceBuffer<T> buffer) where T : unmanaged;

    /// <summary>Waits for every operation called so far (for timing).</summary>
    void Synchronize();

    /// <summary>c (+)= a b in the layouts <paramref name="shape"/> names (NN, NT, TN).</summary>
    void Gemm(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> c, GemmShape shape);

    /// <summary>output = f^(order)(z + bias per column of <paramref name="width"/>) over z's length; an empty bias adds none.</summary>
    void Activation(DeviceBuffer<float> z, DeviceBuffer<float> bias, DeviceBuffer<float> output, int width, ActivationKind kind, int order);

    /// <summary>output = u f'(z) (+ w f''(z) r when w is not empty), over z's length.</summary>
    void ActivationDerivative(DeviceBuffer<float> z, DeviceBuffer<float> u, DeviceBuffer<float> w, DeviceBuffer<float> r, DeviceBuffer<float> output,
        ActivationKind kind);

    /// <summary>y = a + b over <paramref name="count"/> values.</summary>
    void Add(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> y, long count);

    /// <summary>point = theta + a dx + b dy.</summary>
    void PlanePoint(DeviceBuffer<float> theta, DeviceBuffer<float> dx, DeviceBuffer<float> dy, DeviceBuffer<float> point, float a, float b);

    /// <summary>The batch's column matrix of a convolution (<see cref="ConvShape.Rows"/> x <see cref="ConvShape.Columns"/>).</summary>
    void Im2Col(DeviceBuffer<float> x, DeviceBuffer<float> cols, ConvShape shape);

    /// <summary>The column matrix's entries added back into the batch's inputs (the adjoint of <see cref="Im2Col"/>).</summary>
    void Col2Im(DeviceBuffer<float> cols, DeviceBuffer<float> x, ConvShape shape);

    /// <summary>A convolution's GEMM result (channels x (images x positions)) into images x channels x positions, with bias and activation.</summary>
    void Channels(DeviceBuffer<float> z, DeviceBuffer<float> bias, DeviceBuffer<float> y, int channelCount, int positions, int images, ActivationKind kind);

    /// <summary>images x channels x positions values as channels x (images x positions) (the inverse of <see cref="Channels"/>' layout).</summary>
    void Columns(DeviceBuffer<float> y, DeviceBuffer<float> z, int channelCount, int positions, int images);

    void MaxPool(DeviceBuffer<float> x, DeviceBuffer<float> y, PoolShape shape, int images);

    /// <summary>Max pooling's adjoint: dy routed to each window's first maximal input (NaN wins, as the engine's).</summary>
    void MaxPoolBackward(DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx, PoolShape shape, int images);

    /// <summary>Max pooling's R-operator: the tangent r at each window's winner in x.</summary>
    void MaxPoolTangent(DeviceBuffer<float> x, DeviceBuffer<float> r, DeviceBuffer<float> y, PoolShape shape, int images);

    /// <summary>Average pooling (a window clipped to the input averages what it covers).</summary>
    void AvgPool(DeviceBuffer<float> x, DeviceBuffer<float> y, PoolShape shape, int images);

    void AvgPoolBackward(DeviceBuffer<float> dy, DeviceBuffer<float> dx, PoolShape shape, int images);

    /// <summary>
    /// BatchNorm by the given <paramref name="statistics"/> (means, then variances: the running ones, or a batch's), then
    /// the activation, over <paramref name="count"/> values; w = 1 and b = 0 when empty.
    /// </summary>
    void BatchNorm(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<float> weight, DeviceBuffer<float> bias, DeviceBuffer<float> statistics,
        int channels, int positions, float eps, ActivationKind kind, long count);

    /// <summary>dst (+)= src w / sqrt(var + eps) per channel over <paramref name="count"/> values (fixed-statistics BatchNorm's derivative).</summary>
    void NormScale(DeviceBuffer<float> src, DeviceBuffer<float> weight, DeviceBuffer<float> statistics, DeviceBuffer<float> dst, int channelCount,
        int positions, float eps, bool accumulate, long count);

    /// <summary>
    /// Train-mode BatchNorm's input gradient over <paramref name="images"/> images: dx = w / s (dy - sum(dy) / n - xhat
    /// sum(dy xhat) / n), from the batch's statistics and the channel sums (sum(dy) first).
    /// </summary>
    void NormBackward(DeviceBuffer<float> dy, DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> statistics, DeviceBuffer<float> sums,
        DeviceBuffer<float> dx, int channelCount, int positions, float eps, int images);

    /// <summary>Per channel, the sum <paramref name="shape"/>'s mode names (in a fixed order, float64), written or added to output.</summary>
    void ChannelReduce(DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> statistics, DeviceBuffer<float> output, ReduceShape shape);

    /// <summary>Each row's cross-entropy and whether it is classified correctly (1 or 0), rows as many as labels.</summary>
    void CrossEntropy(DeviceBuffer<float> logits, DeviceBuffer<int> labels, DeviceBuffer<double> loss, DeviceBuffer<double> correct, int classes);

    /// <summary>Each row's softmax minus its label's one-hot into delta, and with Rz the softmax Hessian times Rz into rdelta.</summary>
    void CrossEntropyBackward(DeviceBuffer<float> logits, DeviceBuffer<int> labels, DeviceBuffer<float> delta, DeviceBuffer<float> rz,
        DeviceBuffer<float> rdelta, int classes);

    /// <summary>total[g] = the sum of values [g segment, (g + 1) segment) of the first n, each in a fixed order.</summary>
    void Sums(DeviceBuffer<double> values, DeviceBuffer<double> total, int n, int segment);

    /// <summary>total[0] = the sum of the first n values, in a fixed order.</summary>
    void Sum(DeviceBuffer<double> values, DeviceBuffer<double> total, int n) => Sums(values, total, n, Math.Max(n, 1));

    /// <summary>
    /// <paramref name="images"/> images of x cropped and flipped into y as <paramref name="shifts"/> say (top shift, left
    /// shift and flip per image: a training step's augmentation drawn on the CPU), padding read as fill[channel].
    /// </summary>
    void Augment(DeviceBuffer<float> x, DeviceBuffer<int> shifts, DeviceBuffer<float> fill, DeviceBuffer<float> y, int channels, int height, int width,
        int images);

    /// <summary>The rows of x (and their labels) at <paramref name="indices"/>, in order, into y.</summary>
    void Gather(DeviceBuffer<float> x, DeviceBuffer<int> labels, DeviceBuffer<int> indices, DeviceBuffer<float> y, DeviceBuffer<int> yLabels, int width);
}
