using Basin.Tests.Cli;

namespace Basin.Tests.Cuda;

/// <summary><c>--device</c> as a user meets it: a clean error without a GPU (or the GPU's results where there is one), unknown devices and a GPU with a cluster refused.</summary>
public class DeviceCommandTests
{
    /// <summary>Whether this machine has the NVIDIA driver: where it does, the commands run on its GPU instead of failing.</summary>
    static bool HasDriver => System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out _);

    static void AssertNoDevice(int code, string err)
    {
        Assert.Equal(2, code);
        Assert.StartsWith("error: --device: no CUDA device", err);
    }

    [Fact]
    public void Eval_on_cuda_is_one_line_and_exit_2_without_a_driver_and_the_cpus_numbers_with_one()
    {
        string[] args = ["eval", "--weights", CliRunner.Fixture("mlp.safetensors"), "--model", "mlp:784-100-10", "--n", "500", "--json"];
        var (code, output, err) = CliRunner.Run([.. args, "--device", "cuda"]);
        if (!HasDriver)
        {
            Assert.Equal(2, code);
            Assert.Equal("error: --device: no CUDA device: the NVIDIA driver's libcuda.so.1 is not found\nhint: install the NVIDIA driver, or use --device cpu",
                err.Replace("\r", "").Trim());
            return;
        }
        Assert.Equal(0, code);
        var cpu = System.Text.Json.JsonDocument.Parse(CliRunner.Run(args).Out).RootElement;
        var gpu = System.Text.Json.JsonDocument.Parse(output).RootElement;
        Assert.Equal(cpu.GetProperty("loss").GetDouble(), gpu.GetProperty("loss").GetDouble(), 1e-5);
        Assert.Equal(cpu.GetProperty("accuracy").GetDouble(), gpu.GetProperty("accuracy").GetDouble());
    }

    [Fact]
    public void A_surface_on_cuda_is_one_line_and_exit_2_without_a_driver_and_a_file_with_one()
    {
        string file = Path.Combine(TestPaths.NewDirectory("gpu-surface"), "s.h5");
        var (code, _, err) = CliRunner.Run("surface", "--weights", CliRunner.Fixture("mlp.safetensors"), "--model", "mlp:784-100-10", "--n", "200",
            "--xrange", "-1:1:5", "--no-plots", "--out", file, "--device", "cuda");
        if (HasDriver)
        {
            Assert.Equal(0, code);
            Assert.True(File.Exists(file));
            return;
        }
        Assert.Equal(2, code);
        Assert.StartsWith("error: --device: no CUDA device: the NVIDIA driver's libcuda.so.1 is not found", err);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void An_interpolation_on_cuda_needs_a_driver_and_takes_update_bn_as_on_the_cpu()
    {
        string mlp = CliRunner.Fixture("mlp.safetensors");
        var (code, _, err) = CliRunner.Run("interpolate", mlp, mlp, "--model", "mlp:784-100-10", "--n", "100", "--device", "cuda", "--update-bn");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --update-bn: the model has no BatchNorm", err);
        if (HasDriver) return;
        (code, _, err) = CliRunner.Run("interpolate", mlp, mlp, "--model", "mlp:784-100-10", "--n", "100", "--device", "cuda");
        AssertNoDevice(code, err);
    }

    [Fact]
    public void A_gpu_and_a_cluster_together_are_refused_before_connecting()
    {
        var (code, _, err) = CliRunner.Run("surface", "--weights", CliRunner.Fixture("mlp.safetensors"), "--model", "mlp:784-100-10",
            "--out", Path.Combine(TestPaths.NewDirectory("gpu-cluster"), "s.h5"), "--device", "cuda", "--cluster", "localhost");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --device: a cluster's workers compute on their own processors", err);
    }

    [Fact]
    public void An_unknown_device_is_refused()
    {
        var (code, _, err) = CliRunner.Run("eval", "--weights", CliRunner.Fixture("mlp.safetensors"), "--model", "mlp:784-100-10", "--device", "tpu");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --device: unknown device 'tpu'", err);
    }

    [Theory]
    [InlineData("hessian", "--top", "1", "--lanczos-steps", "5")]
    [InlineData("sharpness", "--measures", "sam")]
    public void Curvature_and_sharpness_on_cuda_need_a_driver(params string[] command)
    {
        var (code, output, err) = CliRunner.Run([.. command, "--weights", CliRunner.Fixture("mlp.safetensors"), "--model", "mlp:784-100-10", "--n", "100",
            "--json", "--device", "cuda"]);
        if (HasDriver)
        {
            Assert.Equal(0, code);
            Assert.StartsWith("{", output);
            return;
        }
        Assert.Equal(2, code);
        Assert.Equal("error: --device: no CUDA device: the NVIDIA driver's libcuda.so.1 is not found\nhint: install the NVIDIA driver, or use --device cpu",
            err.Replace("\r", "").Trim());
    }

    [Fact]
    public void A_trajectory_on_cuda_surfaces_its_plane_there_and_needs_a_driver()
    {
        string dir = TestPaths.NewDirectory("gpu-trajectory-cli");
        string[] runs = CliRunner.TwoRuns(dir, 2);
        var (code, _, err) = CliRunner.Run(["trajectory", .. runs, "--out", Path.Combine(dir, "t"), "--device", "cuda"]);
        Assert.Equal(2, code);
        Assert.StartsWith("error: --device: only the plane's surface (--surface) runs on the GPU", err);
        if (HasDriver) return;
        (code, _, err) = CliRunner.Run(["trajectory", .. runs, "--surface", "--grid", "3", "--out", Path.Combine(dir, "t"), "--device", "cuda"]);
        AssertNoDevice(code, err);
    }

    [Fact]
    public void Perturb_and_retrain_on_cuda_needs_a_driver()
    {
        string dir = TestPaths.NewDirectory("gpu-perturb-cli");
        string run = CliRunner.TwoRuns(dir, 2)[0];
        if (HasDriver) return;
        var (code, _, err) = CliRunner.Run("perturb", run, "--seeds", "1", "--epochs", "1", "--optimizer", "sgd", "--device", "cuda");
        AssertNoDevice(code, err);
        Assert.False(Directory.Exists(Path.Combine(run, "perturb", "seed-0")));
    }

    [Fact]
    public void Connecting_minima_on_cuda_needs_a_driver_and_takes_update_bn_as_on_the_cpu()
    {
        string mlp = CliRunner.Fixture("mlp.safetensors");
        var (code, _, err) = CliRunner.Run("connect", mlp, mlp, "--model", "mlp:784-100-10", "--n", "50", "--device", "cuda", "--update-bn");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --update-bn: the model has no BatchNorm", err);
        if (HasDriver) return;
        (code, _, err) = CliRunner.Run("connect", mlp, mlp, "--model", "mlp:784-100-10", "--n", "50", "--epochs", "1", "--device", "cuda");
        AssertNoDevice(code, err);
    }

    [Fact]
    public void The_demo_on_cuda_needs_a_driver()
    {
        if (HasDriver) return;
        var (code, _, err) = CliRunner.Run("demo", "--out", Path.Combine(TestPaths.NewDirectory("gpu-demo"), "demo"), "--device", "cuda");
        AssertNoDevice(code, err);
    }

    [Fact]
    public void An_experiments_training_on_cuda_needs_a_driver_and_no_cluster()
    {
        string dir = Path.Combine(TestPaths.NewDirectory("gpu-experiment-cli"), "e");
        var (code, _, err) = CliRunner.Run("experiment", "flatness-reparam", "--quick", "--out", dir, "--device", "cuda", "--cluster", "localhost");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --device: a cluster's workers compute on their own processors", err);
        if (HasDriver) return;
        (code, _, err) = CliRunner.Run("experiment", "flatness-reparam", "--quick", "--out", dir, "--device", "cuda");
        AssertNoDevice(code, err);
    }

    [Fact]
    public void The_gpus_benchmarks_need_a_driver()
    {
        if (HasDriver) return;
        var (code, _, err) = CliRunner.Run("bench", "--device", "cuda", "--repeat", "1");
        AssertNoDevice(code, err);
    }

    [Theory]
    [InlineData("--optimizer gd --loss mse", "error: --device: the CUDA backend computes the cross-entropy only, not mse")]
    [InlineData("--optimizer gd --dtype float64", "error: --device: the CUDA backend computes in float32")]
    public void Training_on_cuda_is_of_the_cross_entropy_in_float32(string options, string error)
    {
        string run = Path.Combine(TestPaths.NewDirectory("gpu-train"), "run");
        var (code, _, err) = CliRunner.Run(["train", "--model", "mlp:784-10-10", "--n", "50", "--steps", "2", "--out", run, "--device", "cuda", .. options.Split(' ')]);
        Assert.Equal(2, code);
        Assert.StartsWith(error, err);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void A_loss_the_gpu_does_not_compute_is_refused_before_the_device_is_asked()
    {
        var (code, _, err) = CliRunner.Run("surface", "--weights", CliRunner.Fixture("mlp.safetensors"), "--model", "mlp:784-100-10", "--n", "50",
            "--xrange", "-1:1:3", "--no-plots", "--loss", "mse", "--out", Path.Combine(TestPaths.NewDirectory("gpu-mse"), "s.h5"), "--device", "cuda");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --device: the CUDA backend computes the cross-entropy only, not mse", err);
    }
}
