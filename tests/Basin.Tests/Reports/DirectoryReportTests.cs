using System.Text.RegularExpressions;
using Basin.Tests.Cli;

namespace Basin.Tests.Reports;

/// <summary>basin report: every metrics row shown or explicitly left out, numbers to six digits, the curvature numbers, titles in words.</summary>
public class DirectoryReportTests
{
    [Fact]
    public void The_report_elides_rows_only_with_a_row_saying_so_and_shows_the_curvature_numbers()
    {
        string dir = TestPaths.NewDirectory("report-dir");
        // 61 metrics rows (step 0 and one per epoch): more than the 40 a table shows whole.
        Assert.Equal(0, CliRunner.Run("train", "--model", "linear(2,6),tanh,linear(6,2)", "--data", "spirals", "--n", "64", "--epochs", "60", "--batch", "64",
            "--out", Path.Combine(dir, "run")).Code);
        Assert.Equal(0, CliRunner.Run("hessian", "--weights", Path.Combine(dir, "run"), "--data", "spirals", "--n", "64", "--top", "2", "--trace", "--density",
            "--out", Path.Combine(dir, "hessian-density")).Code);
        Assert.Equal(0, CliRunner.Run("report", dir).Code);
        string html = File.ReadAllText(Path.Combine(dir, "report.html"));
        var metrics = File.ReadAllLines(Path.Combine(dir, "run", "metrics.csv"));
        Assert.Equal(62, metrics.Length);
        Assert.Contains("... 31 rows left out (metrics.csv has all)", html);
        // The first ten and the last twenty rows, each number to six significant digits.
        foreach (var line in metrics.Skip(1).Take(10).Concat(metrics.TakeLast(20)))
        {
            string loss = line.Split(',')[3];
            Assert.Contains($"<td>{double.Parse(loss, System.Globalization.CultureInfo.InvariantCulture).ToString("G6", System.Globalization.CultureInfo.InvariantCulture)}</td>", html);
        }
        Assert.DoesNotMatch(new Regex(@"<td>-?\d\.\d{10,}"), html);
        Assert.Contains("Hessian spectral density (stochastic Lanczos quadrature)", html);
        Assert.Contains("<td>top eigenvalues (Lanczos)</td>", html);
        Assert.Contains("<td>trace (Hutchinson)</td>", html);
        Assert.Contains("loss during training (metrics.csv)", html);
    }
}
