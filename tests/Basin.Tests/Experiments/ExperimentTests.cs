using System.Text.Json.Nodes;
using Basin.Experiments;

namespace Basin.Tests.Experiments;

/// <summary>Every experiment run through the library at its quick size: each claim holds, with the measurement behind it.</summary>
public class ExperimentTests
{
    static ExperimentResult Quick(string name) => QuickRuns.Of(name);

    [Fact]
    public void Spurious_valleys_quick_run_holds_its_claims()
    {
        var result = Quick("spurious-valleys");
        Assert.All(result.Claims, c => Assert.True(c.Holds, c.Measured));
        Assert.Equal(6, result.Json["intrinsic_dimension"]!["quadratic"]!.GetValue<long>());
        Assert.Contains("intrinsic dimension of the quadratic activation on 3 inputs: 6", result.Summary);
    }

    [Fact]
    public void Flatness_reparam_quick_run_holds_its_claims()
    {
        var result = Quick("flatness-reparam");
        Assert.All(result.Claims, c => Assert.True(c.Holds, c.Measured));
        Assert.Equal(2, result.Json["minima"]!.AsArray().Count);
    }
}
