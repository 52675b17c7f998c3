using Basin.Tests.Cli;

namespace Basin.Tests.Cuda;

/// <summary><c>--device</c> as a user meets it: a clean error without a GPU (or the GPU's results where there is one), unknown devices and a GPU with a cluster refused.</summary>
public class DeviceCommandTests
{
    [Fact]
    public void Eval_on_cuda_is_one_line_and_exit_2_without_a_driver_and_the_cpus_numbers_with_one()
    {
        string[] args = ["eval", "--weights", CliRunner.Fixture("mlp.safetensors"), "--model", "mlp:784-100-10", "--n", "500", "--json"];
        var (code, output, err) = CliRunner.Run([.. args, "--device", "cuda"]);
        if (!System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out _))
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
        if (System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out _))
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
    public void An_interpolation_on_cuda_needs_a_driver_and_leaves_batchnorm_statistics_to_the_cpu()
    {
        string mlp = CliRunner.Fixture("mlp.safetensors");
        var (code, _, err) = CliRunner.Run("interpolate", mlp, mlp, "--model", "mlp:784-100-10", "--n", "100", "--device", "cuda", "--update-bn");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --device: --update-bn recomputes BatchNorm's statistics on the CPU only", err);
        if (System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out _)) return;
        (code, _, err) = CliRunner.Run("interpolate", mlp, mlp, "--model", "mlp:784-100-10", "--n", "100", "--device", "cuda");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --device: no CUDA device", err);
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
}
