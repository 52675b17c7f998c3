using Basin.Cluster.Coordinator;
using Basin.Experiments;
using Basin.Tests.Experiments;
using Basin.Training;

namespace Basin.Tests.Cluster;

/// <summary>
/// An experiment whose independent training runs the cluster's workers train: the same runs, byte for byte, and the same
/// result as one process, its runs named in rounds (good minima to the targets of the bad ones, random starts to the good
/// ones' losses), its derived data sets sent whole and its catalog splits loaded by the workers.
/// </summary>
[Collection("cluster")]
public sealed class ClusterExperimentTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public void Good_and_bad_minima_trained_by_the_workers_give_the_runs_and_result_of_one_process()
    {
        var here = QuickRuns.Directory("good-bad-minima");
        var result = QuickRuns.Of("good-bad-minima");
        string there = TestPaths.NewDirectory("good-bad-minima-cluster");
        var log = new StringWriter();
        var trainer = new Marking(new ClusterTrainer(fixture.Cluster.Client, log));
        var trained = Experiment.Find("good-bad-minima").Run(there, true, 0, null, null, null, null, trainer);

        // Quick: attacks 0 and 200 x 2 seeds, bad then good, then 2 random starts; the 2 starts next to a bad minimum start from files.
        Assert.Equal(10, log.ToString().Split("cluster: trained").Length - 1);
        Assert.Equal(10, trainer.Marked.Count);
        // None was trained again here: a run retrained in place would have lost the mark.
        Assert.All(trainer.Marked, d => Assert.True(File.Exists(Path.Combine(d, Marking.Mark)), d));
        var runs = Directory.GetDirectories(here).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(runs, Directory.GetDirectories(there).Select(Path.GetFileName).Order().ToArray());
        foreach (var run in runs)
            Assert.Equal(File.ReadAllBytes(Path.Combine(here, run!, "final.safetensors")), File.ReadAllBytes(Path.Combine(there, run!, "final.safetensors")));
        string Numbers(ExperimentResult r)
        {
            var json = r.Json.DeepClone().AsObject();
            json.Remove("seconds");
            return json.ToJsonString();
        }
        Assert.Equal(Numbers(result), Numbers(trained));
    }

    /// <summary>Marks each run the cluster trained, in its directory.</summary>
    sealed class Marking(IRemoteTrainer inner) : IRemoteTrainer
    {
        public const string Mark = "trained-by-the-cluster";
        public List<string> Marked { get; } = [];

        public void Train(IReadOnlyList<TrainingTask> tasks)
        {
            inner.Train(tasks);
            foreach (var task in tasks)
            {
                File.WriteAllText(Path.Combine(task.Directory, Mark), "");
                Marked.Add(task.Directory);
            }
        }
    }
}
