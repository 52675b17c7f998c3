using Basin.Experiments;
using Basin.Landscape;

namespace Basin.Tests.Experiments;

/// <summary>
/// The quick skip-connections run: width-4 ResNets of depths 8 and 20 on 128 images, where the paper (its ResNet-20 against
/// ResNet-20-noshort) shows no difference yet, so its claims must not hold; verdicts follow their rule from the per-seed numbers.
/// </summary>
public class SkipConnectionsTests
{
    [Fact]
    public void Quick_run_decides_each_claim_by_its_rule_from_the_seeds()
    {
        var result = QuickRuns.Of("skip-connections");
        Assert.Equal(2, result.Claims.Count);
        var minima = result.Json["minima"]!.AsArray();
        Assert.Equal(12, minima.Count);
        bool converged = minima.All(m => m!["converged"]!.GetValue<bool>());
        foreach (var claim in result.Claims)
        {
            Assert.Equal(3, claim.Seeds.Count);
            Assert.Equal(3, claim.ControlSeeds.Count);
            var expected = converged ? Statistics.Positive(Statistics.Interval(claim.Seeds)) : Verdict.Inconclusive;
            Assert.Equal(expected, claim.Verdict);
            // At these depths the paper sees no effect: a claim that held here would be a false positive of the measure.
            Assert.NotEqual(Verdict.Holds, claim.Verdict);
        }
        // Every convexity map is a map: the largest eigenvalue is above the smallest at every cell, and the minimum's
        // centre cell is nearly convex (|min/max| small) while the edges of the plane are not.
        foreach (var m in minima)
        {
            var max = m!["max_eig"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            var min = m["min_eig"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            Assert.All(max.Zip(min), p => Assert.True(p.First > p.Second));
            Assert.True(Math.Abs(min[4] / max[4]) < 0.1, $"{m["model"]} seed {m["seed"]}: centre ratio {min[4] / max[4]}");
        }
        Assert.Equal(8, result.Figures.Count);
    }

    [Fact]
    public void A_stopped_measurement_resumes_from_its_files_and_a_stale_or_unreadable_file_is_computed_afresh()
    {
        string directory = TestPaths.NewDirectory("skip-resume");
        var small = new Dictionary<string, double> { ["seeds"] = 2, ["epochs"] = 4, ["grid"] = 2, ["eigen-grid"] = 2, ["eigen-steps"] = 3 };
        Experiment.Find("skip-connections").Run(directory, quick: true, parameters: small);
        var maps = Directory.GetFiles(directory, "convexity-*.h5", SearchOption.AllDirectories).Order().ToArray();
        Assert.Equal(8, maps.Length);
        Assert.Equal(8, Directory.GetFiles(directory, "surface-2x2.h5", SearchOption.AllDirectories).Length);

        // The first map as a stop would leave it, one cell short, with a mark in a cell it kept; the second one computed from other weights.
        var kept = SurfaceFile.Read(maps[0]);
        var partial = Copy(kept, kept.Settings, (cell, v) => cell == 0 ? v with { MaxEig = 12345 } : v, skip: 3);
        SurfaceFile.Write(maps[0], partial);
        var other = SurfaceFile.Read(maps[1]);
        SurfaceFile.Write(maps[1], Copy(other, new Dictionary<string, string>(other.Settings) { ["weights_sha256"] = "0" }, (_, v) => v with { MaxEig = 12345 }));
        // The third cut short (not a surface file any more).
        var third = SurfaceFile.Read(maps[2]);
        File.WriteAllBytes(maps[2], File.ReadAllBytes(maps[2])[..1000]);

        var second = Experiment.Find("skip-connections").Run(directory, quick: true, parameters: small);
        var resumed = SurfaceFile.Read(maps[0]);
        Assert.Equal(12345, resumed.MaxEig![0]);
        Assert.Equal(kept.MaxEig![3], resumed.MaxEig[3]);
        Assert.Equal(kept.MinEig![3], resumed.MinEig![3]);
        Assert.Equal(other.MaxEig, SurfaceFile.Read(maps[1]).MaxEig);
        Assert.Equal(third.MaxEig, SurfaceFile.Read(maps[2]).MaxEig);
        // The experiment measured with the resumed map: its mark shows in exactly one minimum.
        Assert.Single(second.Json["minima"]!.AsArray(), m => m!["max_eig"]!.AsArray().Any(v => v!.GetValue<double>() == 12345));
    }

    /// <summary>A surface with other settings and cell values changed by <paramref name="change"/>, leaving out cell <paramref name="skip"/>.</summary>
    static Surface Copy(Surface s, IReadOnlyDictionary<string, string> settings, Func<int, CellValues, CellValues> change, int skip = -1)
    {
        var copy = new Surface(s.X, s.Y, s.HasTest, settings, eigen: true);
        for (int cell = 0; cell < s.Cells; cell++)
            if (cell != skip)
                copy.Store(cell, change(cell, new CellValues(s.TrainLoss[cell], s.TrainAccuracy[cell]) { MaxEig = s.MaxEig![cell], MinEig = s.MinEig![cell] }));
        return copy;
    }

    [Fact]
    public void A_target_no_run_reaches_makes_every_claim_inconclusive()
    {
        var result = Experiment.Find("skip-connections").Run(TestPaths.NewDirectory("skip"), quick: true,
            parameters: new Dictionary<string, double> { ["seeds"] = 2, ["target-loss"] = 1e-6, ["epochs"] = 4, ["grid"] = 2, ["eigen-grid"] = 2, ["eigen-steps"] = 2 });
        Assert.All(result.Claims, c => Assert.Equal(Verdict.Inconclusive, c.Verdict));
    }
}
