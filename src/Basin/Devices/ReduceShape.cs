namespace Basin.Devices;

/// <summary>
/// What <see cref="IBackend.ChannelReduce"/> sums: images x channels x positions values a (and b), per channel. Mode 0 sums a
/// (a bias's gradient); mode 1 sums a (b - mean[c]) / s[c] and mode 2 a b / s[c], s = sqrt(var + eps) from the statistics
/// (a BatchNorm weight's gradient and its R-operator term); mode 3 sums (a - mean[c])^2 (a batch's variance). With Mean
/// set the sum is divided by the values per channel.
/// </summary>
internal struct ReduceShape
{
    public int Channels, Positions, Images, Mode, Accumulate, Mean;
    public float Eps;
}
