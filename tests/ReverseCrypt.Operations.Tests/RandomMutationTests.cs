using System.Diagnostics;
using System.Security.Cryptography;
using ReverseCrypt.FileSystems.Forward;

namespace ReverseCrypt.Operations.Tests;

/// <summary>
/// Issue item 4: thousands of random mutations (bit flips, truncations, insertions) of a valid encrypted tree, in
/// file contents, names, .name files, diriv files, symlink targets and xattr names and values. Restore, fsck and the
/// forward view (in-process for speed, and a sample through a real kernel mount) never crash, and never yield
/// plaintext that differs from the original without an error. The only changes the format cannot detect are
/// allowed, and named: a file truncated at a block boundary reads as a prefix of itself (an xattr value truncated
/// to nothing reads as empty), and a damaged name that still decrypts shows an authentic object under a garbage
/// name (docs/format.md 13 item 10).
/// <para>The in-process part does not depend on how the kernel talks to FUSE, so only the kernel-mount samples are
/// in Category Mount (run again over FUSE-over-io_uring).</para>
/// </summary>
public sealed class RandomMutationTests
{
    /// <summary>A fixed number of mutations keeps runs reproducible (fixed seed); the time cap keeps a slow machine
    /// within the CI budget (the test then still requires 1000).</summary>
    private const int InProcessMutations = 2400;
    // At least this many whatever the machine's speed; more, up to InProcessMutations, while time is left.
    private const int MinimumMutations = 1000;
    private static readonly TimeSpan InProcessCap = TimeSpan.FromSeconds(42);
    private const int KernelMountSamples = 25;
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>What a reader may show: per plaintext path the type, the hash of the content/target, and xattrs.</summary>
    private sealed record Shown(string Type, string? DataHash, Dictionary<string, string> Xattrs);

    private sealed record Mutation(string Kind, string Op, string CipherPath, bool TruncatedToBoundary, Action Undo)
    {
        public override string ToString() => $"{Kind}/{Op} {CipherPath}{(TruncatedToBoundary ? " (to a boundary)" : "")}";
    }

    private sealed class Model
    {
        public Dictionary<string, Shown> Objects { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, HashSet<string>> PrefixHashes { get; } = new(StringComparer.Ordinal);
        public HashSet<string> AllData { get; } = [];
        public HashSet<string> AllXattrValues { get; } = [];
        public Dictionary<string, string> CipherToPlain { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>A valid encrypted copy of a tree of hard cases, the model of what it holds, and what may be mutated.</summary>
    private sealed class Fixture : IDisposable
    {
        public Fixture()
        {
            Require.Root();
            Dir = new TestDirectory();
            var plain = Dir.Sub("plain");
            var tree = new PlainTree(plain)
                .File("empty", "").File("one", "1").File("f100", HardCaseTree.Bytes(100, 1)).File("f4096", HardCaseTree.Bytes(4096, 2))
                .File("f4097", HardCaseTree.Bytes(4097, 3)).File("f12288", HardCaseTree.Bytes(12288, 4)).File("f20000", HardCaseTree.Bytes(20000, 5))
                .Dir("sub").File("sub/inner", HardCaseTree.Bytes(9000, 6)).Dir("sub/deeper").File("sub/deeper/x", "x\n")
                .File(new string('L', 200), "long name\n").Dir(new string('D', 180)).File(new string('D', 180) + "/child", "child\n")
                .Symlink("link", "f100").Symlink("sub/abs", "/etc/passwd").Fifo("fifo");
            tree.StampAllTimes(1_400_000_000);
            Copy = Dir.Child("copy");
            Gocryptfs.BackupWithRsync(plain, Copy, Dir.Child("view"));
            Core = Gocryptfs.OpenCore(Path.Combine(Copy, "gocryptfs.conf"));
            Model = BuildModel(plain, Copy, Core);
            Targets = RandomMutationTests.Targets(Copy, Core);
        }

        public TestDirectory Dir { get; }
        public string Copy { get; }
        public CryptoCore Core { get; }
        public Model Model { get; }
        public List<(string Kind, string Path)> Targets { get; }

        public void Dispose()
        {
            Core.Dispose();
            Dir.Dispose();
        }
    }

    [Test]
    public void RandomMutations_NeverCrashAndNeverYieldUnauthenticatedPlaintext()
    {
        using var f = new Fixture();
        var random = new Random(20261127);
        var clock = Stopwatch.StartNew();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        int mutations = 0;
        while (mutations < InProcessMutations && (mutations < MinimumMutations || clock.Elapsed < InProcessCap))
        {
            var mutation = Mutate(f.Copy, f.Targets, random);
            if (mutation is null)
            {
                continue;
            }
            try
            {
                string reader = (mutations % 3) switch { 0 => "forward", 1 => "fsck", _ => "restore" };
                counts[reader] = counts.GetValueOrDefault(reader) + 1;
                switch (reader)
                {
                    case "forward":
                        CheckForward(f.Copy, f.Core, f.Model, mutation);
                        break;
                    case "fsck":
                        CheckFsck(f.Copy, f.Core, f.Model, mutation);
                        break;
                    default:
                        CheckRestore(f.Copy, f.Core, f.Model, mutation, f.Dir.Child("restored"));
                        break;
                }
            }
            finally
            {
                mutation.Undo();
            }
            mutations++;
        }
        TestContext.Out.WriteLine($"{mutations} in-process mutations in {clock.Elapsed.TotalSeconds:F1} s " +
                                  $"({string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"))})");
    }

    [Test, Category("Mount")]
    public void RandomMutations_ThroughAKernelMount_NeverCrashAndNeverYieldUnauthenticatedPlaintext()
    {
        using var f = new Fixture();
        var random = new Random(20261207);
        for (int i = 0; i < KernelMountSamples; i++)
        {
            var mutation = Mutate(f.Copy, f.Targets, random);
            if (mutation is null)
            {
                i--;
                continue;
            }
            try
            {
                using var mount = new MountedForward(f.Copy, f.Core, f.Dir.Child("mount"));
                Check(f.Model, mutation, FromSnapshot(TreeSnapshot.Take(mount.MountPoint, tolerateReadErrors: true)), "kernel mount");
            }
            catch (WrongKeyException)
            {
                // The root's only decryptable names were all damaged: refusing to mount is a correct answer.
            }
            finally
            {
                mutation.Undo();
            }
        }
    }

    private static void CheckForward(string copy, CryptoCore core, Model model, Mutation mutation)
    {
        ForwardFileSystem fs;
        try
        {
            fs = new ForwardFileSystem(new ForwardOptions { CipherDir = copy }, core);
        }
        catch (WrongKeyException)
        {
            return;
        }
        using (fs)
        {
            var shown = new Dictionary<string, Shown>(StringComparer.Ordinal);
            foreach (var (path, obj) in InProcessView.Walk(fs))
            {
                shown[path] = new Shown(obj.Type, obj.DataError == Errno.OK && obj.Data is not null ? Hash(obj.Data) : obj.Type is "file" or "symlink" ? "!" + obj.DataError : null,
                    obj.Xattrs.Where(x => x.Value is not null).ToDictionary(x => x.Key, x => Hash(x.Value!), StringComparer.Ordinal));
            }
            Check(model, mutation, shown, "forward view");
        }
    }

    private static void CheckFsck(string copy, CryptoCore core, Model model, Mutation mutation)
    {
        FsckReport report;
        try
        {
            report = Fsck.Run(new FsckOptions { CipherDir = copy, EstimateTotals = false }, core);
        }
        catch (WrongKeyException)
        {
            return;
        }
        bool mustDetect = mutation.Kind switch
        {
            "content" => !mutation.TruncatedToBoundary,
            "symlink" or "namefile" => true,
            "xattrvalue" => !mutation.TruncatedToBoundary,
            _ => false,
        };
        if (mustDetect)
        {
            var expected = mutation.Kind == "namefile" ? mutation.CipherPath[..^".name".Length] : mutation.CipherPath;
            Assert.That(report.Problems.Select(p => p.CipherPathText), Does.Contain(expected),
                $"fsck missed {mutation}:\n{string.Join("\n", report.Problems)}");
        }
    }

    private static void CheckRestore(string copy, CryptoCore core, Model model, Mutation mutation, string target)
    {
        try
        {
            var result = Restorer.Run(new RestoreOptions { CipherDir = copy, Target = target, EstimateTotals = false, Devices = true }, core);
            Assert.That(result.Cancelled, Is.False);
            Check(model, mutation, FromSnapshot(TreeSnapshot.Take(target)), "restore");
        }
        catch (WrongKeyException)
        {
        }
        finally
        {
            if (Directory.Exists(target))
            {
                Run.Shell($"rm -rf {Run.Quote(target)}");
            }
        }
    }

    /// <summary>The oracle: every byte string shown is the original one of that object, or an allowed exception.</summary>
    private static void Check(Model model, Mutation mutation, Dictionary<string, Shown> shown, string reader)
    {
        string? affected = model.CipherToPlain.GetValueOrDefault(mutation.CipherPath);
        foreach (var (path, obj) in shown)
        {
            if (path == "." || obj.Type == "dir" || obj.Type == "special")
            {
                CheckXattrs(model, mutation, path, obj, affected, reader);
                continue;
            }
            if (obj.DataHash is null || obj.DataHash.StartsWith('!'))
            {
                continue; // an error: allowed
            }
            if (model.Objects.TryGetValue(path, out var original) && original.Type == obj.Type)
            {
                bool same = original.DataHash == obj.DataHash;
                bool allowedPrefix = mutation.Kind == "content" && mutation.TruncatedToBoundary && path == affected
                                     && model.PrefixHashes[path].Contains(obj.DataHash);
                Assert.That(same || allowedPrefix, Is.True, $"{reader}: {path} shows other bytes than the original after {mutation}");
            }
            else
            {
                Assert.That(model.AllData.Contains(obj.DataHash), Is.True,
                    $"{reader}: {path} (not in the original) shows bytes that no original object has, after {mutation}");
            }
            CheckXattrs(model, mutation, path, obj, affected, reader);
        }
    }

    private static void CheckXattrs(Model model, Mutation mutation, string path, Shown obj, string? affected, string reader)
    {
        model.Objects.TryGetValue(path, out var original);
        foreach (var (name, valueHash) in obj.Xattrs)
        {
            bool emptiedByTruncation = mutation.Kind == "xattrvalue" && mutation.TruncatedToBoundary && path == affected
                                       && valueHash == Hash([]);
            if (original is not null && original.Xattrs.TryGetValue(name, out var originalHash))
            {
                Assert.That(valueHash == originalHash || emptiedByTruncation, Is.True,
                    $"{reader}: xattr {name} of {path} differs after {mutation}");
            }
            else
            {
                Assert.That(model.AllXattrValues.Contains(valueHash) || emptiedByTruncation, Is.True,
                    $"{reader}: unexpected xattr {name} of {path} with a value no original has, after {mutation}");
            }
        }
    }

    private static Dictionary<string, Shown> FromSnapshot(TreeSnapshot snapshot)
    {
        var result = new Dictionary<string, Shown>(StringComparer.Ordinal);
        foreach (var (path, node) in snapshot.Nodes)
        {
            string? data = node.Type switch
            {
                "file" => node.Content,
                "symlink" => node.Content.StartsWith('!') ? node.Content : Hash(BytesOfTarget(node.Content)),
                _ => null,
            };
            var type = node.Type is "file" or "dir" or "symlink" ? node.Type : "special";
            result[path] = new Shown(type, data, ParseXattrs(node.Xattrs));
        }
        return result;
    }

    private static byte[] BytesOfTarget(string content)
    {
        Assert.That(BytePath.TryParseDisplay(content[3..], out var bytes), Is.True);
        return bytes;
    }

    private static Dictionary<string, string> ParseXattrs(string xattrs)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in xattrs.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = item.LastIndexOf('=');
            if (item[(eq + 1)..].StartsWith('?'))
            {
                continue;
            }
            result[item[..eq]] = Hash(Convert.FromHexString(item[(eq + 1)..]));
        }
        return result;
    }

    private static string Hash(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>The original plaintext (with the xattrs this test adds) and the cipher-to-plain path map.</summary>
    private static Model BuildModel(string plain, string copy, CryptoCore core)
    {
        var model = new Model();
        var snapshot = TreeSnapshot.Take(plain, ".gocryptfs.reverse.conf");
        using var cipherTree = new CipherTree(copy, core);
        var xattrs = new XattrTransform(core);
        // Encrypted xattrs on a few cipher objects (gocryptfs 2.3 writes none): the same bytes a reverse view would show.
        var withXattrs = new[] { "one", "f20000", "sub" };
        var resolver = new CipherPathResolver(cipherTree);
        foreach (var (path, node) in snapshot.Nodes)
        {
            var attrs = new Dictionary<string, string>(StringComparer.Ordinal);
            if (withXattrs.Contains(path))
            {
                var cipherPath = resolver.Encrypt(Encoding.UTF8.GetBytes(path), out _)!;
                foreach (var (name, value) in new[] { ("user.a", "alpha value"), ("trusted.b", "beta value"), ("user.empty", "") })
                {
                    var cipherName = new byte[XattrTransform.MaxCipherAttrNameLength];
                    int nameLength = xattrs.EncryptName(Encoding.UTF8.GetBytes(name), cipherName);
                    var cipherValue = new byte[XattrTransform.CipherValueLength(value.Length)];
                    xattrs.EncryptValue(cipherPath, cipherName.AsSpan(0, nameLength), Encoding.UTF8.GetBytes(value), cipherValue);
                    SetXattr(Path.Combine(copy, Encoding.ASCII.GetString(cipherPath)), cipherName.AsSpan(0, nameLength).ToArray(), cipherValue);
                    attrs[name] = Hash(Encoding.UTF8.GetBytes(value));
                    model.AllXattrValues.Add(attrs[name]);
                }
            }
            var type = node.Type is "file" or "dir" or "symlink" ? node.Type : "special";
            string? dataHash = null;
            if (node.Type == "file")
            {
                var bytes = File.ReadAllBytes(Path.Combine(plain, path));
                dataHash = Hash(bytes);
                var prefixes = new HashSet<string>();
                for (int k = 0; k * 4096 <= bytes.Length; k++)
                {
                    prefixes.Add(Hash(bytes[..(k * 4096)]));
                }
                model.PrefixHashes[path] = prefixes;
            }
            else if (node.Type == "symlink")
            {
                dataHash = Hash(BytesOfTarget(node.Content));
            }
            if (dataHash is not null)
            {
                model.AllData.Add(dataHash);
            }
            model.Objects[path] = new Shown(type, dataHash, attrs);
        }
        using var root = cipherTree.OpenRoot();
        MapCipherPaths(cipherTree, root, model);
        return model;
    }

    private static void MapCipherPaths(CipherTree tree, CipherDirectory directory, Model model)
    {
        foreach (var entry in tree.List(directory).Entries)
        {
            var cipherPath = BytePath.Display(BytePath.Join(directory.CipherPath, entry.CipherName));
            model.CipherToPlain[cipherPath] = BytePath.Display(BytePath.Join(directory.PlainPath, entry.PlainName));
            if (entry.Type == Libc.DT_DIR)
            {
                using var child = tree.OpenDirectory(directory, entry, out _)!;
                MapCipherPaths(tree, child, model);
            }
        }
    }

    /// <summary>Everything in the copy that can be damaged (not the config).</summary>
    private static List<(string Kind, string Path)> Targets(string copy, CryptoCore core)
    {
        var targets = new List<(string, string)>();
        foreach (var path in Directory.EnumerateFileSystemEntries(copy, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(copy, path);
            var name = Path.GetFileName(path);
            if (relative == "gocryptfs.conf")
            {
                continue;
            }
            var info = new FileInfo(path);
            bool isLink = info.LinkTarget is not null;
            if (name == "gocryptfs.diriv")
            {
                targets.Add(("diriv", relative));
            }
            else if (name.EndsWith(".name", StringComparison.Ordinal))
            {
                targets.Add(("namefile", relative));
            }
            else
            {
                targets.Add(("name", relative));
                if (isLink)
                {
                    targets.Add(("symlink", relative));
                }
                else if (File.Exists(path) && (info.Attributes & FileAttributes.Device) == 0 && Run.Shell($"test -f {Run.Quote(path)}").ExitCode == 0)
                {
                    targets.Add(("content", relative));
                    targets.Add(("content", relative)); // contents are the most common damage: weight them
                }
                if (ListXattrs(path).Count > 0)
                {
                    targets.Add(("xattrvalue", relative));
                    targets.Add(("xattrname", relative));
                }
            }
        }
        return targets;
    }

    private static Mutation? Mutate(string copy, List<(string Kind, string Path)> targets, Random random)
    {
        var (kind, relative) = targets[random.Next(targets.Count)];
        var path = Path.Combine(copy, relative);
        string op = random.Next(3) switch { 0 => "flip", 1 => "truncate", _ => "insert" };
        switch (kind)
        {
            case "content" or "namefile" or "diriv":
                {
                    var original = File.ReadAllBytes(path);
                    var mutated = MutateBytes(original, op, random, out bool boundary);
                    if (mutated is null)
                    {
                        return null;
                    }
                    File.WriteAllBytes(path, mutated);
                    bool atBoundary = kind == "content" && op == "truncate" && boundary;
                    return new Mutation(kind, op, relative, atBoundary, () => File.WriteAllBytes(path, original));
                }
            case "name":
                {
                    var name = Path.GetFileName(relative);
                    var mutated = MutateText(name, op, random);
                    var newPath = Path.Combine(Path.GetDirectoryName(path)!, mutated);
                    if (mutated.Length is 0 or > 255 || Path.Exists(newPath))
                    {
                        return null;
                    }
                    Directory.Move(path, newPath);
                    return new Mutation(kind, op, relative, false, () => Directory.Move(newPath, path));
                }
            case "symlink":
                {
                    var target = new FileInfo(path).LinkTarget!;
                    var mutated = MutateText(target, op, random);
                    if (mutated.Length == 0)
                    {
                        return null;
                    }
                    File.Delete(path);
                    File.CreateSymbolicLink(path, mutated);
                    return new Mutation(kind, op, relative, false, () =>
                    {
                        File.Delete(path);
                        File.CreateSymbolicLink(path, target);
                    });
                }
            case "xattrvalue":
                {
                    var names = ListXattrs(path);
                    var name = names[random.Next(names.Count)];
                    var original = GetXattr(path, name);
                    var mutated = MutateBytes(original, op, random, out _);
                    if (mutated is null)
                    {
                        return null;
                    }
                    SetXattr(path, name, mutated);
                    return new Mutation(kind, op, relative, mutated.Length == 0, () => SetXattr(path, name, original));
                }
            default: // xattrname
                {
                    var names = ListXattrs(path);
                    var name = names[random.Next(names.Count)];
                    var text = Encoding.ASCII.GetString(name);
                    var mutated = "user.gocryptfs." + MutateText(text["user.gocryptfs.".Length..], op, random);
                    if (mutated == text || names.Any(n => Encoding.ASCII.GetString(n) == mutated) || mutated.Length > 255)
                    {
                        return null;
                    }
                    var value = GetXattr(path, name);
                    RemoveXattr(path, name);
                    SetXattr(path, Encoding.ASCII.GetBytes(mutated), value);
                    return new Mutation(kind, op, relative, false, () =>
                    {
                        RemoveXattr(path, Encoding.ASCII.GetBytes(mutated));
                        SetXattr(path, name, value);
                    });
                }
        }
    }

    private static byte[]? MutateBytes(byte[] original, string op, Random random, out bool toBoundary)
    {
        toBoundary = false;
        switch (op)
        {
            case "flip":
                if (original.Length == 0)
                {
                    return null;
                }
                var flipped = (byte[])original.Clone();
                flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
                return flipped;
            case "truncate":
                if (original.Length == 0)
                {
                    return null;
                }
                // Half of the truncations land on a block boundary (or at 0): the format cannot tell those apart.
                int length = random.Next(2) == 0 && original.Length > 18 + 4128
                    ? 18 + 4128 * random.Next((original.Length - 18) / 4128)
                    : random.Next(original.Length);
                if (random.Next(10) == 0)
                {
                    length = 0;
                }
                toBoundary = length == 0 || (length > 18 && (length - 18) % 4128 == 0);
                return original[..length];
            default:
                int at = random.Next(original.Length + 1);
                var inserted = new byte[random.Next(1, 41)];
                random.NextBytes(inserted);
                return [.. original[..at], .. inserted, .. original[at..]];
        }
    }

    private static string MutateText(string text, string op, Random random)
    {
        var chars = text.ToList();
        switch (op)
        {
            case "flip" when chars.Count > 0:
                int i = random.Next(chars.Count);
                char replacement;
                do
                {
                    replacement = Alphabet[random.Next(Alphabet.Length)];
                }
                while (replacement == chars[i]);
                chars[i] = replacement;
                break;
            case "truncate" when chars.Count > 1:
                int keep = random.Next(1, chars.Count);
                chars.RemoveRange(keep, chars.Count - keep);
                break;
            default:
                chars.Insert(random.Next(chars.Count + 1), Alphabet[random.Next(Alphabet.Length)]);
                break;
        }
        return new string(chars.ToArray());
    }

    private static (SafeFd Dir, byte[] Name) Parent(string path)
    {
        var dir = CipherIo.OpenRootDirectory(Path.GetDirectoryName(path)!, out var errno);
        Assert.That(dir, Is.Not.Null, $"{path}: {errno}");
        return (dir!, Encoding.UTF8.GetBytes(Path.GetFileName(path)));
    }

    private static List<byte[]> ListXattrs(string path)
    {
        var (dir, name) = Parent(path);
        using (dir)
        {
            var list = new byte[65536];
            int length = Libc.ListxattrAt(dir, name, list, out _);
            var result = new List<byte[]>();
            int start = 0;
            for (int i = 0; i < Math.Max(0, length); i++)
            {
                if (list[i] == 0)
                {
                    var attr = list.AsSpan(start, i - start).ToArray();
                    if (attr.AsSpan().StartsWith("user.gocryptfs."u8))
                    {
                        result.Add(attr);
                    }
                    start = i + 1;
                }
            }
            return result;
        }
    }

    private static byte[] GetXattr(string path, byte[] attrName)
    {
        var (dir, name) = Parent(path);
        using (dir)
        {
            var value = new byte[65536];
            int length = Libc.GetxattrAt(dir, name, attrName, value, out var errno);
            Assert.That(length, Is.GreaterThanOrEqualTo(0), errno.ToString());
            return value[..length];
        }
    }

    private static void SetXattr(string path, byte[] attrName, byte[] value)
    {
        var (dir, name) = Parent(path);
        using (dir)
        {
            Assert.That(Libc.SetxattrAt(dir, name, attrName, value, 0), Is.EqualTo(Errno.OK));
        }
    }

    private static void RemoveXattr(string path, byte[] attrName)
    {
        var (dir, name) = Parent(path);
        using (dir)
        {
            Assert.That(Libc.RemovexattrAt(dir, name, attrName), Is.EqualTo(Errno.OK));
        }
    }
}
