namespace Basin.Objective;

/// <summary>
/// What a share of a pass sums, unnormalized, from wave <paramref name="FirstWave"/> on: per shard its loss sum (or quadratic
/// form) and correct predictions, and per wave the sum of its shards' vectors (empty for the loss and quadratic passes).
/// </summary>
internal sealed record ShardSums<T>(int FirstWave, double[] Loss, int[] Correct, T[][] Waves);
