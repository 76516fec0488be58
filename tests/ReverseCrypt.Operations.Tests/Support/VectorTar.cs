namespace ReverseCrypt.Operations.Tests.Support;

/// <summary>The tar files of the shared vectors, copied next to the test assembly (see Vectors/README.md).</summary>
public static class VectorTar
{
    /// <summary>Extracts a tar from the Vectors folder into <paramref name="dir"/> (numeric owners kept).</summary>
    public static string Extract(string tarName, string dir)
    {
        Directory.CreateDirectory(dir);
        var tar = Path.Combine(AppContext.BaseDirectory, "Vectors", tarName);
        Run.Ok($"tar --numeric-owner -xpf {Run.Quote(tar)} -C {Run.Quote(dir)}");
        return dir;
    }
}
