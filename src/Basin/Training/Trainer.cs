using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Basin.Data;
using Basin.Engine;
using Basin.Models;
using Basin.Objective;
using Basin.Tensors;

namespace Basin.Training;

/// <summary>
/// Trains a network as a run directory describes it: seeded shuffling (one permutation per epoch, drawn from
/// the seed and the epoch number), minibatch gradients over fixed shards (so results do not depend on the thread
/// count), checkpoints with optimizer state, metrics after every epoch, and resume from the last checkpoint
/// that reproduces an uninterrupted run bit for bit.
/// </summary>
internal sealed class Trainer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly RunConfig config;
    readonly DataSet train;
    readonly DataSet? test;
    readonly RunDirectory run;
    readonly Network<T> network;
    readonly EmpiricalRisk<T> minibatch, trainEval;
    readonly EmpiricalRisk<T>? testEval;
    readonly int batch, batchesPerEpoch;

    public Network<T> Network => network;

    /// <param name="remote">Workers that compute full-batch gradient descent's gradients (the same bits as here).</param>
    public Trainer(RunConfig config, DataSet train, DataSet? test, RunDirectory run, int threads, IRemoteRisk? remote = null)
    {
        this.config = config;
        this.train = train;
        this.test = test;
        this.run = run;
        network = ModelSpec.Build<T>(config.Model, train.InputShape);
        batch = config.Optimizer == "gd" ? train.Count : config.Batch;
        if (batch <= 0) throw new BasinException("{batch}", $"{batch} is not a positive batch size");
        batch = Math.Min(batch, train.Count);
        batchesPerEpoch = (train.Count + batch - 1) / batch;
        if (config.Epochs is null && config.Steps is null)
            throw new BasinException("train", "no stopping rule", "give {epochs} N or {steps} N (with {target-loss} or {until-zero-error} to stop earlier)");
        schedule = Schedule.Parse(config.Schedule, config.LearningRate, PlannedSteps, config.Warmup);
        // BatchNorm's batch statistics are over the whole minibatch: it runs as one shard.
        bool wholeShards = !network.Buffers.IsEmpty;
        int shard = wholeShards ? batch : Math.Min(config.Shard, batch);
        // theta, the gradient, up to two optimizer state vectors and a checkpoint's copies of theta and its bytes.
        double vectors = 7.0 * network.ParameterCount * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        MemoryBudget.Require(vectors + EmpiricalRisk<T>.EstimateBytes(network, train, shard, threads, wholeShards) + EmpiricalRisk<T>.EstimateBytes(network, train, 500, threads)
            + (test is null ? 0 : EmpiricalRisk<T>.EstimateBytes(network, test, 500, threads)), $"training {network.ParameterCount:N0} parameters",
            "use a smaller {batch} or {shard}, fewer {threads}, less data ({n}) or a smaller model");
        minibatch = new EmpiricalRisk<T>(network, train, config.Loss, config.L2, shard, threads, wholeShards) { Remote = remote };
        trainEval = new EmpiricalRisk<T>(network, train, config.Loss, config.L2, 500, threads);
        testEval = test is null ? null : new EmpiricalRisk<T>(network, test, config.Loss, config.L2, 500, threads);
        augmentation = config.Augment ? new Augmentation(train, config.Normalize, config.Seed) : null;
        // BatchNorm trains in train mode and augmentation changes the images, so then gradient descent's full batch is a minibatch pass.
        minibatchPasses = config.Optimizer != "gd" || !network.Buffers.IsEmpty || config.Augment;
        if (remote is not null && remote is not IRemoteMinibatch && minibatchPasses)
            throw new BasinException(remote.Name, $"only full-batch gradient descent ({{optimizer}} gd) without BatchNorm or {{augment}} trains with {remote.Name}",
                $"use {{optimizer}} gd, or leave {remote.Name} out");
        CreateOptimizer();
    }

    readonly Augmentation? augmentation;

    /// <summary>Whether each step's gradient is a minibatch pass (not a full pass, as gradient descent's can be).</summary>
    readonly bool minibatchPasses;

    public long PlannedSteps => config.Steps ?? (long)config.Epochs!.Value * batchesPerEpoch;

    readonly Schedule schedule;

    Optimizer<T> CreateOptimizer()
    {
        Optimizer<T> optimizer = config.Optimizer switch
        {
            "sgd" or "gd" => new Sgd<T>(config.Momentum, config.Nesterov, config.WeightDecay),
            "adam" => new Adam<T>(config.Beta1, config.Beta2, config.Eps, config.WeightDecay),
            _ => throw new BasinException("{optimizer}", $"unknown optimizer '{config.Optimizer}'", "use sgd, gd (full batch) or adam"),
        };
        optimizer.Threads = minibatch.Threads;
        return optimizer;
    }

    int[] Permutation(int epoch) =>
        !config.Shuffle || batch == train.Count ? Rng.Identity(train.Count) : new Rng(config.Seed, 0x5EED0000UL + (ulong)epoch).Permutation(train.Count);

    void SaveCheckpoint(T[] theta, Optimizer<T> optimizer, long step, int epoch, int nextBatch)
    {
        var meta = new Dictionary<string, string>
        {
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
            ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
            ["batch"] = nextBatch.ToString(CultureInfo.InvariantCulture),
            ["spec"] = config.Model,
        };
        var state = optimizer.State.Select(s => (s.Name, new[] { s.Values.Length }, (ReadOnlyMemory<T>)s.Values)).ToList();
        // The optimizer state goes first: a weights file whose sidecar is missing is never the latest complete checkpoint.
        SafeTensors.WriteTensors(run.OptimizerPath(step), state, new Dictionary<string, string> { ["optimizer_steps"] = optimizer.Steps.ToString(CultureInfo.InvariantCulture) });
        SafeTensors.Write<T>(run.CheckpointPath(step), network.Layout, theta, meta);
    }

    /// <summary>Where training starts: a checkpoint read back, or the initialization (step 0) when there is none.</summary>
    internal sealed record Start(T[] Theta, Optimizer<T> Optimizer, long Step, int Epoch, int Batch, bool Resumed);

    /// <summary>
    /// Reads where training starts, writing nothing: with <paramref name="resume"/> the last complete checkpoint (weights
    /// and optimizer state), otherwise, or when a resumed run has none yet, the configured initialization.
    /// </summary>
    internal Start Begin(bool resume)
    {
        var optimizer = CreateOptimizer();
        if (resume && run.ResumableSteps() is [.., long step])
        {
            string path = run.CheckpointPath(step);
            var theta = SafeTensors.ReadTheta<T>(path, network.Layout);
            var (_, meta) = SafeTensors.Read(path);
            var (stateTensors, stateMeta) = SafeTensors.Read(run.OptimizerPath(step));
            var state = stateTensors.ToDictionary(kv => kv.Key, kv => kv.Value.Values.Select(T.CreateChecked).ToArray());
            try
            {
                optimizer.Restore(state, long.Parse(stateMeta["optimizer_steps"], CultureInfo.InvariantCulture));
                return new Start(theta, optimizer, step, int.Parse(meta["epoch"], CultureInfo.InvariantCulture), int.Parse(meta["batch"], CultureInfo.InvariantCulture), true);
            }
            catch (Exception e) when (e is KeyNotFoundException or FormatException or OverflowException)
            {
                throw new BasinException(path, $"the checkpoint's metadata is incomplete ({e.Message})", "delete this checkpoint to resume from the one before it");
            }
        }
        return new Start(Initialization.Create<T>(network.Layout, config.Init, config.Seed), optimizer, 0, 0, 0, false);
    }

    public TrainResult Run(bool resume, Action<TrainProgress>? progress = null, CancellationToken cancel = default) =>
        Run(Begin(resume), progress, cancel);

    internal TrainResult Run(Start start, Action<TrainProgress>? progress = null, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(run.Path);
        run.RemoveStaleTemporaries();
        run.WriteConfig(config);
        var (theta, optimizer, step, epoch, nextBatch, resume) = start;
        var metrics = new MetricsLog(run.MetricsPath, resume ? step : -1);
        double secondsBefore = metrics.Rows.Count > 0 ? metrics.Rows[^1].Seconds : 0;
        var clock = Stopwatch.StartNew();
        var gradient = new T[network.ParameterCount];
        long lastSaved = step;
        string? stop = null;

        MetricsRow Log(double lr)
        {
            var tr = trainEval.Evaluate(theta);
            var te = testEval?.Evaluate(theta);
            var row = new MetricsRow(step, epoch, lr, tr.Loss, tr.Accuracy, te?.Loss ?? double.NaN, te?.Accuracy ?? double.NaN,
                secondsBefore + clock.Elapsed.TotalSeconds);
            metrics.Add(row);
            return row;
        }

        string? Reached(MetricsRow row) =>
            config.UntilZeroError && row.TrainAccuracy == 1.0 ? "zero training error"
            : config.TargetLoss is { } target && row.TrainLoss <= target ? $"training loss {row.TrainLoss:G4} <= {target:G4}" : null;

        if (config.Epochs is { } doneEpochs && epoch >= doneEpochs) stop = $"already at {doneEpochs} epochs";
        if (config.Steps is { } doneSteps && step >= doneSteps) stop = $"already at {doneSteps} steps";
        if (!resume)
        {
            // The row before the checkpoint, as at every epoch's end: a run killed between the two starts over and logs it
            // again, and one resumed from a checkpoint always has the checkpoint's row.
            var first = Log(schedule.Rate(0, 0));
            SaveCheckpoint(theta, optimizer, 0, 0, 0);
            progress?.Invoke(new TrainProgress(0, PlannedSteps, 0, first.LearningRate, double.NaN, first));
        }
        while (stop is null)
        {
            var order = Permutation(epoch);
            for (int b = nextBatch; b < batchesPerEpoch && stop is null; b++)
            {
                cancel.ThrowIfCancellationRequested();
                var indices = order.AsSpan(b * batch, Math.Min(batch, train.Count - b * batch));
                double loss = minibatch.Remote switch
                {
                    null => minibatch.MinibatchGradient(theta, indices, gradient, augmentation, step),
                    IRemoteMinibatch when minibatchPasses =>
                        minibatch.RemoteMinibatchGradient(theta, indices, gradient, augmentation, step),
                    _ => minibatch.Gradient(theta, gradient),
                };
                if (!double.IsFinite(loss))
                {
                    string kept = lastSaved >= 0 ? run.CheckpointPath(lastSaved) : "none";
                    throw new TrainingDivergedException($"the minibatch loss is {loss} at step {step + 1} (epoch {epoch + 1}); last good checkpoint: {kept}");
                }
                double lr = schedule.Rate(step, epoch);
                optimizer.Step(theta, gradient, lr);
                step++;
                MetricsRow? row = null;
                if (config.LogEvery > 0 && step % config.LogEvery == 0 && b + 1 < batchesPerEpoch)
                {
                    // A logged row measures the whole training set, so the stopping rules apply to it as at an epoch's end.
                    row = Log(lr);
                    stop ??= Reached(row);
                }
                if (config.SaveEverySteps > 0 && step % config.SaveEverySteps == 0 && b + 1 < batchesPerEpoch)
                {
                    SaveCheckpoint(theta, optimizer, step, epoch, b + 1);
                    lastSaved = step;
                }
                if (config.Steps is { } maxSteps && step >= maxSteps) stop = $"reached {maxSteps} steps";
                if (stop is not null && b + 1 < batchesPerEpoch)
                {
                    row ??= Log(lr);
                    SaveCheckpoint(theta, optimizer, step, epoch, b + 1);
                    lastSaved = step;
                }
                progress?.Invoke(new TrainProgress(step, PlannedSteps, epoch, lr, loss, row));
                if (stop is not null && b + 1 < batchesPerEpoch) break;
                if (b + 1 < batchesPerEpoch) continue;

                // End of an epoch.
                epoch++;
                var end = Log(lr);
                if (config.Epochs is { } maxEpochs && epoch >= maxEpochs) stop = $"reached {maxEpochs} epochs";
                stop = Reached(end) ?? stop;
                if (stop is not null || (config.SaveEvery > 0 && epoch % config.SaveEvery == 0))
                {
                    SaveCheckpoint(theta, optimizer, step, epoch, 0);
                    lastSaved = step;
                }
                progress?.Invoke(new TrainProgress(step, PlannedSteps, epoch, lr, loss, end));
            }
            nextBatch = 0;
        }
        SafeTensors.Write<T>(run.FinalPath, network.Layout, theta, new Dictionary<string, string>
        {
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
            ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
            ["spec"] = config.Model,
        });
        return new TrainResult(step, epoch, stop!, trainEval.Evaluate(theta), testEval?.Evaluate(theta), run.FinalPath,
            secondsBefore + clock.Elapsed.TotalSeconds, resume, network.ParameterCount);
    }
}
