using System.Text.Json.Nodes;
using Basin.Landscape;
using Basin.Models;
using Basin.Tests.Cli;
using PureHDF;

namespace Basin.Tests.Landscape;

/// <summary>loss-landscape's HDF5 direction and projection files: written, read back, and refused when they do not fit the model.</summary>
public class DirectionFileTests
{
    const string Spec = "conv2d(1,3,3,padding=1),relu,flatten,linear(48,4)";

    [Fact]
    public void Directions_round_trip_per_tensor_with_their_shapes()
    {
        var layout = ModelSpec.Build<double>(Spec, [1, 4, 4]).Layout;
        var x = TestNets.RandomVector<double>(layout.Count, 1);
        var y = TestNets.RandomVector<double>(layout.Count, 2);
        string path = Path.Combine(TestPaths.NewDirectory("dirs"), "d.h5");
        DirectionFile.Write(path, layout, [("xdirection", x), ("ydirection", y)]);
        using (var f = H5File.OpenRead(path))
        {
            // One dataset per parameter tensor, named by its index in model.parameters(), with the tensor's shape.
            var g = f.Group("xdirection");
            Assert.Equal(4, g.Children().Count());
            Assert.Equal(new ulong[] { 3, 1, 3, 3 }, g.Dataset("0").Space.Dimensions);
            Assert.Equal(new ulong[] { 4, 48 }, g.Dataset("2").Space.Dimensions);
            Assert.Equal(x.AsSpan(layout.Tensors[2].Offset, layout.Tensors[2].Length).ToArray(), g.Dataset("2").Read<double[]>());
        }
        Assert.Equal(x, DirectionFile.Read<double>(path, "xdirection", layout));
        Assert.Equal(y.Select(v => (float)v), DirectionFile.Read<float>(path, "ydirection", layout));
        var other = ModelSpec.Build<double>("conv2d(1,3,3,padding=1),relu,flatten,linear(48,5)", [1, 4, 4]).Layout;
        Assert.Contains("has shape [4,48] but", Assert.Throws<BasinException>(() => DirectionFile.Read<double>(path, "xdirection", other)).Why);
        var fewer = ModelSpec.Build<double>("flatten,linear(16,4)", [1, 4, 4]).Layout;
        Assert.Contains("holds 4 tensors but the model has 2", Assert.Throws<BasinException>(() => DirectionFile.Read<double>(path, "xdirection", fewer)).Why);
    }

    [Fact]
    public void Float32_directions_as_pytorch_writes_them_are_read()
    {
        var layout = ModelSpec.Build<double>("linear(3,2)", [3]).Layout;
        string path = Path.Combine(TestPaths.NewDirectory("dirs"), "torch.h5");
        var file = new H5File
        {
            ["xdirection"] = new H5Group { ["0"] = new H5Dataset(new float[] { 1, 2, 3, 4, 5, 6 }, fileDims: [2, 3]), ["1"] = new float[] { -1, 0.5f } },
        };
        file.Write(path);
        Assert.Equal([1, 2, 3, 4, 5, 6, -1, 0.5], DirectionFile.Read<double>(path, "xdirection", layout));
        Assert.Contains("has no group ydirection", Assert.Throws<BasinException>(() => DirectionFile.Read<double>(path, "ydirection", layout)).Why);
    }

    [Fact]
    public void A_pca_trajectory_writes_loss_landscapes_direction_and_projection_files()
    {
        string dir = TestPaths.NewDirectory("traj-h5");
        string[] runs = CliRunner.TwoRuns(dir, 3);
        string stem = Path.Combine(dir, "pca");
        var (code, stdout, err) = CliRunner.Run(["trajectory", .. runs, "--out", stem, "--h5-directions", "--surface", "--grid", "5", "--json"]);
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(stdout)!;
        var coordinates = json["runs"]!.AsArray().SelectMany(r => r!["coordinates"]!.AsArray()).Select(c => c!.AsArray()).ToArray();
        using (var proj = H5File.OpenRead(stem + ".proj.h5"))
        {
            Assert.Equal(coordinates.Select(c => c[0]!.GetValue<double>()), proj.Dataset("proj_xcoord").Read<double[]>());
            Assert.Equal(coordinates.Select(c => c[1]!.GetValue<double>()), proj.Dataset("proj_ycoord").Read<double[]>());
        }
        var layout = ModelSpec.Build<double>("linear(2,8),tanh,linear(8,2)", [2]).Layout;
        var dx = DirectionFile.Read<double>(stem + ".dir.h5", "xdirection", layout);
        var dy = DirectionFile.Read<double>(stem + ".dir.h5", "ydirection", layout);
        // PCA directions: orthonormal.
        Assert.Equal(1, dx.Sum(v => v * v), 9);
        Assert.Equal(0, dx.Zip(dy, (a, b) => a * b).Sum(), 9);
        using var dirs = H5File.OpenRead(stem + ".dir.h5");
        Assert.Equal(json["explained_variance"]!.AsArray().Select(v => v!.GetValue<double>()), dirs.Dataset("explained_variance_ratio_").Read<double[]>());
        var mds = CliRunner.Run(["trajectory", runs[0], "--method", "mds", "--out", stem + "-mds", "--h5-directions"]);
        Assert.Equal(2, mds.Code);
        // The report draws the path on the plane's 3D surface, from the projections beside it.
        Assert.Equal(0, CliRunner.Run("report", dir).Code);
        string html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Contains("type: \"scatter3d\"", html);
        Assert.Contains("pca.h5, the trajectory in red", html);
        Assert.Equal(coordinates.Length, DirectionFile.ReadProjections(stem + ".proj.h5").Count);
    }

    [Fact]
    public void A_point_of_the_plane_gets_the_bilinear_loss_of_its_cell()
    {
        var s = new Surface(new Axis(0, 2, 3), new Axis(0, 1, 2), false, new Dictionary<string, string>());
        for (int i = 0; i < 3; i++) for (int j = 0; j < 2; j++) s.TrainLoss[i * 2 + j] = 10 * i + j;
        Assert.Equal(11, s.LossAt(1, 1));
        Assert.Equal(5.5, s.LossAt(0.5, 0.5), 12);
        Assert.Equal(15.25, s.LossAt(1.5, 0.25), 12);
        Assert.Equal(21, s.LossAt(5, 3));
    }
}
