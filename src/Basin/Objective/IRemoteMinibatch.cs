namespace Basin.Objective;

/// <summary>A remote (a GPU) that also runs a training step's minibatch pass, over the examples it holds named by index.</summary>
internal interface IRemoteMinibatch
{
    /// <summary>
    /// The sum over the examples at <paramref name="indices"/> of their loss gradients at theta (no 1/n, no l2), written to
    /// <paramref name="gradientSum"/>; returns the sum of their losses. With BatchNorm the pass is in train mode, one batch,
    /// as a training step's here: each layer's batch means and biased variances are written to
    /// <paramref name="batchStatistics"/>, laid out as the model's buffer values (the running statistics are not read).
    /// With <paramref name="crops"/> each gathered image is first cropped and flipped as they say (a training step's augmentation).
    /// </summary>
    double SumGradient(double[] theta, int[] indices, double[] gradientSum, double[] batchStatistics, Data.ImageCrops? crops);
}
