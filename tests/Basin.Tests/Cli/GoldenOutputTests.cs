using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PureHDF;

namespace Basin.Tests.Cli;

/// <summary>
/// What each command prints and writes, byte for byte against outputs recorded at a known-good commit
/// (Fixtures/golden): a refactoring that changes any number, line or file fails here. Wall-clock times, temporary
/// paths and JSON "seconds" fields are masked; files are compared by their contents (h5 datasets, safetensors and
/// checkpoints by SHA-256, metrics.csv without its seconds column). Run with BASIN_WRITE_GOLDEN=1 to record them
/// again after an intended change, and say why in the commit.
/// </summary>
public partial class GoldenOutputTests
{
    // A time and the padding around it, which a table cell sizes to the time's width.
    [GeneratedRegex(@" *\d+(\.\d+)? ?(ms|s)\b *")]
    private static partial Regex Times();

    static string Masked(string text, string root) =>
        Times().Replace(text.Replace(root, "<dir>"), " <time> ").Replace("\r\n", "\n");

    static string WithoutSeconds(string json)
    {
        var node = JsonNode.Parse(json);
        void Strip(JsonNode? n)
        {
            if (n is JsonObject o)
            {
                o.Remove("seconds");
                foreach (var (_, v) in o) Strip(v);
            }
            else if (n is JsonArray a) foreach (var v in a) Strip(v);
        }
        Strip(node);
        return node!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    static string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    static string H5(string path)
    {
        using var f = H5File.OpenRead(path);
        var text = new StringBuilder();
        foreach (var name in new[] { "xcoordinates", "ycoordinates", "train_loss", "train_acc", "test_loss", "test_acc", "computed" }.Where(f.LinkExists))
        {
            var ds = f.Dataset(name);
            string values = name == "computed"
                ? string.Join(",", ds.Space.Rank == 1 ? ds.Read<byte[]>() : ds.Read<byte[,]>().Cast<byte>())
                : string.Join(",", (ds.Space.Rank == 1 ? ds.Read<double[]>() : ds.Read<double[,]>().Cast<double>()).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
            text.Append(name).Append(": ").Append(values).Append('\n');
        }
        foreach (var a in f.Attributes().OrderBy(a => a.Name, StringComparer.Ordinal)) text.Append('@').Append(a.Name).Append(": ").Append(a.Read<string>()).Append('\n');
        return text.ToString();
    }

    static string Run(string dir)
    {
        var text = new StringBuilder();
        foreach (var file in Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string name = Path.GetRelativePath(dir, file);
            text.Append("== ").Append(name).Append('\n');
            if (name.EndsWith("metrics.csv", StringComparison.Ordinal)) text.AppendJoin('\n', TrustTests.Metrics(Path.GetDirectoryName(file)!)).Append('\n');
            else if (name.EndsWith(".json", StringComparison.Ordinal)) text.Append(WithoutSeconds(File.ReadAllText(file))).Append('\n');
            else if (name.EndsWith(".h5", StringComparison.Ordinal)) text.Append(H5(file));
            else if (name.EndsWith(".safetensors", StringComparison.Ordinal) || name.EndsWith(".jsonl", StringComparison.Ordinal)) text.Append(Sha(file)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>
    /// The same path on every run (tables wrap long paths, so a path of another length would print other lines), held
    /// under an exclusive lock against another test process on this machine.
    /// </summary>
    sealed class FixedDirectory : IDisposable
    {
        readonly FileStream lockFile;
        public string Path { get; }

        public FixedDirectory(string name)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "basin-golden", name);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            while (true)
            {
                try { lockFile = new FileStream(Path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); break; }
                catch (IOException) { Thread.Sleep(200); }
            }
            if (Directory.Exists(Path)) Directory.Delete(Path, true);
            Directory.CreateDirectory(Path);
        }

        public void Dispose()
        {
            Directory.Delete(Path, true);
            lockFile.Dispose();
        }
    }

    static string Folder([System.Runtime.CompilerServices.CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "..", "Fixtures", "golden");

    static void Check(string name, string dir, string output)
    {
        string actual = output.Replace(dir, "<dir>");
        if (Environment.GetEnvironmentVariable("BASIN_WRITE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(Folder(), name + ".txt"), actual);
            return;
        }
        string expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "golden", name + ".txt"));
        Assert.Equal(expected, actual);
    }

    /// <summary>Runs a command; its exit code, stdout and stderr (masked), and the files it left in <paramref name="dir"/>.</summary>
    static string Command(string dir, params string[] args)
    {
        var (code, stdout, stderr) = CliRunner.Run(args);
        bool json = args.Contains("--json") && code == 0;
        return $"$ basin {string.Join(' ', args).Replace(dir, "<dir>")}\nexit {code}\n-- stdout\n{(json ? WithoutSeconds(stdout) + "\n" : Masked(stdout, dir))}" +
               $"-- stderr\n{Masked(stderr, dir)}";
    }

    [Fact]
    public void Demo()
    {
        using var fixedDir = new FixedDirectory("demo");
        string dir = fixedDir.Path;
        string output = Command(dir, "demo", "--out", Path.Combine(dir, "demo"));
        Check("demo", dir, output + "-- files\n" + Run(dir));
    }

    [Theory]
    [InlineData("deep-linear")]
    [InlineData("spurious-valleys")]
    [InlineData("good-bad-minima")]
    [InlineData("flatness-reparam")]
    [InlineData("theory2")]
    public void Experiment(string name)
    {
        using var fixedDir = new FixedDirectory(name);
        string dir = fixedDir.Path;
        string output = Command(dir, "experiment", name, "--quick", "--out", dir);
        Check("experiment-" + name, dir, output + "-- files\n" + Run(dir));
    }

    [Fact]
    public void Commands_on_a_small_run()
    {
        using var fixedDir = new FixedDirectory("commands");
        string dir = fixedDir.Path;
        string a = Path.Combine(dir, "a"), b = Path.Combine(dir, "b");
        string[] data = ["--data", "spirals", "--n", "200"];
        var text = new StringBuilder();
        text.Append(Command(dir, ["train", "--model", "linear(2,12),tanh,linear(12,2)", .. data, "--epochs", "6", "--batch", "50", "--lr", "0.2",
            "--momentum", "0.9", "--save-every-steps", "5", "--log-every", "3", "--out", a]));
        text.Append(Command(dir, ["train", "--model", "linear(2,12),tanh,linear(12,2)", .. data, "--epochs", "6", "--batch", "50", "--lr", "0.2",
            "--optimizer", "adam", "--seed", "1", "--out", b, "--json"]));
        text.Append(Command(dir, ["train", "--resume", a, "--epochs", "8", "--lr", "0.1", "--allow-change"]));
        text.Append(Command(dir, ["eval", "--weights", a, .. data, "--json"]));
        text.Append(Command(dir, ["eval", "--weights", a, .. data, "--split", "test", "--dtype", "float64"]));
        text.Append(Command(dir, ["surface", "--weights", a, .. data, "--xrange", "-1:1:7", "--yrange", "-0.5:0.5:5", "--test", "--out", Path.Combine(dir, "s.h5"), "--json"]));
        text.Append(Command(dir, ["surface", "--weights", a, .. data, "--xrange", "-1:1:9", "--norm", "layer", "--ignore", "none", "--out", Path.Combine(dir, "line.h5")]));
        text.Append(Command(dir, ["interpolate", a, b, .. data, "--range", "-0.25:1.25:13", "--test", "--json"]));
        text.Append(Command(dir, ["interpolate", "--run", a, .. data]));
        text.Append(Command(dir, ["hessian", "--weights", a, .. data, "--top", "4", "--bottom", "2", "--power", "2", "--trace", "--hutchpp", "30",
            "--frobenius", "--fisher-trace", "--density", "--runs", "3", "--density-steps", "20", "--exact", "--json"]));
        text.Append(Command(dir, ["hessian", "--weights", a, .. data, "--operator", "ggn", "--top", "3"]));
        text.Append(Command(dir, ["hessian", "--weights", a, .. data, "--operator", "fisher", "--top", "2", "--trace", "--json"]));
        text.Append(Command(dir, ["sharpness", "--weights", a, .. data, "--reparam-check", "2", "--disagreement-batch", "40", "--json"]));
        text.Append(Command(dir, ["sharpness", "--weights", a, .. data, "--measures", "sam,asam,epsilon"]));
        string relu = Path.Combine(dir, "relu");
        text.Append(Command(dir, ["train", "--model", "linear(2,12),relu,linear(12,2)", .. data, "--epochs", "4", "--batch", "50", "--out", relu]));
        text.Append(Command(dir, ["sharpness", "--weights", relu, .. data, "--reparam-check", "2", "--disagreement-batch", "40"]));
        text.Append(Command(dir, ["connect", a, b, .. data, "--curve", "line", "--points", "11", "--json"]));
        text.Append(Command(dir, ["connect", a, b, .. data, "--curve", "bezier", "--epochs", "3", "--points", "11", "--test", "--out", Path.Combine(dir, "bezier")]));
        text.Append(Command(dir, ["connect", a, b, .. data, "--curve", "neb", "--images", "3", "--iterations", "20", "--cycles", "1", "--points", "9", "--json"]));
        text.Append(Command(dir, ["trajectory", a, b, "--surface", "--grid", "5", "--out", Path.Combine(dir, "pca"), "--json"]));
        text.Append(Command(dir, ["trajectory", a, b, "--method", "mds", "--out", Path.Combine(dir, "mds")]));
        text.Append(Command(dir, ["perturb", a, "--seeds", "2", "--epochs", "2", "--json"]));
        text.Append(Command(dir, ["perturb", a, "--seeds", "2", "--epochs", "2", "--scale", "0.1", "--optimizer", "sgd", "--lr", "0.05"]));
        text.Append(Command(dir, ["report", dir]));
        Check("commands", dir, text + "-- files\n" + Run(dir));
    }
}
