using System.Text.Json.Nodes;
using Basin.Tests.Cli;

namespace Basin.Tests.Cli;

public class TrajectoryCommandTests
{
    [Fact]
    public void Two_runs_share_one_pca_frame_and_one_mds_embedding()
    {
        string dir = TestPaths.NewDirectory("traj");
        string[] runs = CliRunner.TwoRuns(dir, 4);
        var (code, stdout, err) = CliRunner.Run(["trajectory", .. runs, "--surface", "--grid", "5", "--out", Path.Combine(dir, "pca"), "--json"]);
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(stdout)!;
        var ev = json["explained_variance"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        Assert.True(ev[0] >= ev[1] && ev[0] + ev[1] <= 1 + 1e-12);
        var first = json["runs"]![0]!;
        Assert.Equal(5, first["steps"]!.AsArray().Count);
        // The reference is the first run's final weights: its last checkpoint sits at the origin, on the plane.
        var last = first["coordinates"]![4]!.AsArray();
        Assert.Equal(0, last[0]!.GetValue<double>(), 9);
        Assert.Equal(0, first["off_plane"]![4]!.GetValue<double>(), 9);
        Assert.Equal(5, json["surface"]!["loss"]!.AsArray().Count);
        Assert.True(File.Exists(Path.Combine(dir, "pca.png")));

        var (mdsCode, mdsOut, _) = CliRunner.Run(["trajectory", .. runs, "--method", "mds", "--out", Path.Combine(dir, "mds"), "--json"]);
        Assert.Equal(0, mdsCode);
        var mds = JsonNode.Parse(mdsOut)!;
        Assert.True(mds["stress"]!.GetValue<double>() <= mds["classical_stress"]!.GetValue<double>());
        Assert.Equal(2, mds["runs"]!.AsArray().Count);
    }
}
