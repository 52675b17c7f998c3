using Basin.Data;

namespace Basin.Tests.Data;

public class SyntheticTests
{
    [Fact]
    public void Same_seed_gives_the_same_set_and_train_differs_from_test()
    {
        var a = DataCatalog.Load("gaussian-mixture(d=3,classes=4,seed=5)", "train", n: 200);
        var b = DataCatalog.Load("gaussian-mixture(d=3,classes=4,seed=5)", "train", n: 200);
        var test = DataCatalog.Load("gaussian-mixture(d=3,classes=4,seed=5)", "test", n: 200);
        Assert.Equal(a.Values(), b.Values());
        Assert.Equal(a.Labels, b.Labels);
        Assert.NotEqual(a.Values(), test.Values());
        Assert.All(a.Labels!, y => Assert.InRange(y, 0, 3));
    }

    [Fact]
    public void Teacher_student_noise_is_added_to_fixed_teacher_outputs()
    {
        // Inputs are drawn before the noise, so the noisy and clean sets share x and the teacher; their targets
        // differ by exactly the N(0, noise^2) draws.
        var clean = DataCatalog.Load("teacher-student(d=4,width=3,out=2)", "train", n: 2000);
        var noisy = DataCatalog.Load("teacher-student(d=4,width=3,out=2,noise=0.5)", "train", n: 2000);
        Assert.Equal([4], clean.InputShape);
        Assert.Equal(2, clean.TargetSize);
        Assert.Equal(clean.Values(), noisy.Values());
        double sq = 0;
        for (int i = 0; i < clean.Targets!.Length; i++) sq += Math.Pow(noisy.Targets![i] - clean.Targets[i], 2);
        Assert.InRange(Math.Sqrt(sq / clean.Targets.Length), 0.475, 0.525);
        Assert.Contains(clean.Targets, t => t != 0);
    }

    [Fact]
    public void Unknown_option_is_a_user_error()
    {
        var e = Assert.Throws<BasinException>(() => DataCatalog.Load("spirals(arms=3)", "train"));
        Assert.Contains("no option 'arms'", e.Why);
    }
}
