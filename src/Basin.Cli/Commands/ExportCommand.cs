namespace Basin.Cli.Commands;

/// <summary><c>basin export vtp FILE.h5</c>: a surface as ParaView polydata, as loss-landscape's h52vtp.py writes it.</summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter stdout)
    {
        var file = new Argument<string>("FILE.h5") { Description = "a 2D surface written by basin surface" };
        var output = new Option<string?>("--out") { Description = "the .vtp file (default: FILE.vtp beside the surface, or FILE-QUANTITY.vtp for another quantity)" };
        var quantity = new Option<string>("--surf-name") { Description = "the quantity drawn: " + string.Join(", ", SurfaceVtp.Quantities), DefaultValueFactory = _ => "train_loss" };
        var log = new Option<bool>("--log") { Description = "z = ln(value + 0.1), h52vtp's log scale" };
        var zmax = new Option<double>("--zmax") { Description = "clip values above this (0: no clipping)" };
        var vtp = new Command("vtp", "Write a 2D surface as a VTK XML PolyData (.vtp) file for ParaView: points (x, y, value), quads, the value as point data.");
        vtp.Arguments.Add(file);
        foreach (var o in new Option[] { output, quantity, log, zmax }) vtp.Options.Add(o);
        vtp.SetAction(r =>
        {
            string h5 = r.GetValue(file)!, name = r.GetValue(quantity)!;
            string path = r.GetValue(output) ?? SurfaceStudy.Stem(h5) + (name == "train_loss" ? "" : "-" + name) + ".vtp";
            OutputPath.RequireFile(path, "--out");
            SurfaceVtp.Write(path, SurfaceFile.Read(h5), name, r.GetValue(log), r.GetValue(zmax));
            stdout.WriteLine($"wrote {path}");
            return Cli.Ok;
        });
        var command = new Command("export", "Convert files for other tools: basin export vtp FILE.h5 (ParaView).");
        command.Subcommands.Add(vtp);
        return command;
    }
}
