namespace ReverseCrypt.FileSystems.Tests.Support;

/// <summary>The shared vectors' plaintext tree and what gocryptfs 2.3 -reverse showed for it.</summary>
public static class VectorTree
{
    public static string VectorsDir => Path.Combine(TestContext.CurrentContext.TestDirectory, "Vectors");

    /// <summary>Unpacks plain_tree.tar (modes, times, owners and xattrs kept) into <paramref name="target"/>.</summary>
    public static void Unpack(string target)
    {
        Run.Ok($"tar --xattrs --xattrs-include='*' --numeric-owner -xpf {Run.Quote(Path.Combine(VectorsDir, "plain_tree.tar"))} -C {Run.Quote(target)}");
    }

    /// <summary>One row of reverse_tree_vectors.tsv.</summary>
    public sealed record Row(string CipherPath, string PlainPath, string Type, long? CipherSize, string Sha256OrTarget);

    public static List<Row> Rows()
    {
        var rows = new List<Row>();
        foreach (var line in File.ReadAllLines(Path.Combine(VectorsDir, "reverse_tree_vectors.tsv")).Skip(1))
        {
            var f = line.Split('\t');
            rows.Add(new Row(f[0], f[1], f[2], f[3].Length == 0 ? null : long.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture), f[4]));
        }
        return rows;
    }
}
