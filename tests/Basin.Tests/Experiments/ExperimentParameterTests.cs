using Basin.Experiments;

namespace Basin.Tests.Experiments;

public class ExperimentParameterTests
{
    public static TheoryData<string> Names => new(Experiment.All.Select(e => e.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_parameter_below_its_smallest_value_is_refused_before_any_work(string name)
    {
        var experiment = Experiment.Find(name);
        string directory = TestPaths.NewDirectory("parameters");
        foreach (var p in experiment.Parameters)
        {
            double tooSmall = p.Name == "seeds" ? 1 : p.Integer ? 0 : -1;
            var e = Assert.Throws<BasinException>(() => experiment.Run(directory, quick: true, parameters: new Dictionary<string, double> { [p.Name] = tooSmall }));
            Assert.Equal($"{{{p.Name}}}", e.What);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(directory));
    }
}
