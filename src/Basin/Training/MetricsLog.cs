using System.Globalization;
using System.Text;
using Basin.Models;

namespace Basin.Training;

/// <summary>One row of metrics.csv.</summary>
public sealed record MetricsRow(long Step, int Epoch, double LearningRate, double TrainLoss, double TrainAccuracy,
    double TestLoss, double TestAccuracy, double Seconds);

/// <summary>metrics.csv of a run, rewritten whole (atomically) on every row so a kill never leaves half a line.</summary>
internal sealed class MetricsLog
{
    public const string Header = "step,epoch,lr,train_loss,train_acc,test_loss,test_acc,seconds";
    readonly string path;
    readonly List<MetricsRow> rows = [];

    public IReadOnlyList<MetricsRow> Rows => rows;

    public MetricsLog(string path, long keepUpToStep = -1)
    {
        this.path = path;
        if (keepUpToStep < 0 || !File.Exists(path)) return;
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var f = line.Split(',');
            if (f.Length != 8) continue;
            double D(string s) => s.Length == 0 ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);
            var row = new MetricsRow(long.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture),
                D(f[2]), D(f[3]), D(f[4]), D(f[5]), D(f[6]), D(f[7]));
            if (row.Step <= keepUpToStep) rows.Add(row);
        }
    }

    public void Add(MetricsRow row)
    {
        rows.Add(row);
        var sb = new StringBuilder(Header).Append('\n');
        static string F(double x) => double.IsNaN(x) ? "" : x.ToString("R", CultureInfo.InvariantCulture);
        foreach (var r in rows)
            sb.Append(CultureInfo.InvariantCulture, $"{r.Step},{r.Epoch},{F(r.LearningRate)},{F(r.TrainLoss)},{F(r.TrainAccuracy)},{F(r.TestLoss)},{F(r.TestAccuracy)},{r.Seconds.ToString("F3", CultureInfo.InvariantCulture)}\n");
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
