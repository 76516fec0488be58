using System.Security.Cryptography;
using System.Text;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Operations.Backup;

/// <summary>
/// Hard links and verify. The view encrypts every link of a hard-linked file under its own path (docs/format.md 18:
/// deterministic, unlike gocryptfs), yet shows them as one inode, so <c>rsync -H</c> sends the group's bytes once and
/// links the others to them: on the backup every link of a group holds the ciphertext of one of the links. That copy
/// decrypts to the same plaintext (the content is bound to the file ID in its header, not to its name), so it is
/// correct; a plain checksum comparison would still call it different. This check accepts a content difference of a
/// hard-linked file when the backup's bytes equal the view's bytes of another link of the same group.
/// </summary>
public static class HardLinkCheck
{
    /// <summary>
    /// Returns <paramref name="differences"/> without the content differences explained by hard links.
    /// <paramref name="backupHashes"/> gives the SHA-256 (lower-case hex) of backup files by cipher path (missing
    /// entries: could not be hashed).
    /// </summary>
    public static IReadOnlyList<VerifyDifference> Reconcile(string viewRoot, IReadOnlyList<VerifyDifference> differences,
        Func<IReadOnlyList<string>, IReadOnlyDictionary<string, string>> backupHashes)
    {
        ArgumentNullException.ThrowIfNull(viewRoot);
        ArgumentNullException.ThrowIfNull(differences);
        ArgumentNullException.ThrowIfNull(backupHashes);
        var linked = new Dictionary<VerifyDifference, (ulong Dev, ulong Ino)>();
        foreach (var difference in differences)
        {
            if (difference.Kind != VerifyDifferenceKind.Content || difference.Changes[1] != 'f') continue;
            if (Lstat(Path.Combine(viewRoot, difference.CipherPath), out var st) && st.Nlink > 1 && IsRegular(st))
                linked[difference] = (st.Dev, st.Ino);
        }
        if (linked.Count == 0) return differences;

        var groups = FindLinks(viewRoot, [.. linked.Values]);
        var backup = backupHashes([.. linked.Keys.Select(d => d.CipherPath)]);
        var viewHashes = new Dictionary<string, string?>(StringComparer.Ordinal);
        var explained = new HashSet<VerifyDifference>();
        foreach (var (difference, inode) in linked)
        {
            if (!backup.TryGetValue(difference.CipherPath, out var backupHash) || !groups.TryGetValue(inode, out var members)) continue;
            foreach (var member in members)
            {
                if (!viewHashes.TryGetValue(member, out var hash)) viewHashes[member] = hash = HashFile(Path.Combine(viewRoot, member));
                if (hash == backupHash)
                {
                    explained.Add(difference);
                    break;
                }
            }
        }
        return [.. differences.Where(d => !explained.Contains(d))];
    }

    /// <summary>The script that prints "SHA256  PATH" for each path below <paramref name="targetPath"/> on the destination.</summary>
    internal static string HashScript(string targetPath, IEnumerable<string> cipherPaths)
    {
        ArgumentNullException.ThrowIfNull(cipherPaths);
        var script = new StringBuilder($"cd -- {ShellQuoting.QuotePath(targetPath)} || exit 1\nsha256sum --");
        foreach (var path in cipherPaths) script.Append(' ').Append(ShellQuoting.Quote("./" + path));
        return script.Append('\n').ToString();
    }

    /// <summary>Parses sha256sum's output of <see cref="HashScript"/>.</summary>
    public static IReadOnlyDictionary<string, string> ParseHashes(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            if (line.Length < 67 || line[64] != ' ') continue;
            var path = line[66..];
            if (path.StartsWith("./", StringComparison.Ordinal)) path = path[2..];
            hashes[path] = line[..64].ToLowerInvariant();
        }
        return hashes;
    }

    private static Dictionary<(ulong, ulong), List<string>> FindLinks(string viewRoot, IReadOnlyCollection<(ulong Dev, ulong Ino)> wanted)
    {
        var set = wanted.ToHashSet();
        var groups = new Dictionary<(ulong, ulong), List<string>>();
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true, ReturnSpecialDirectories = false };
        foreach (var file in Directory.EnumerateFiles(viewRoot, "*", options))
        {
            if (!Lstat(file, out var st) || st.Nlink < 2 || !set.Contains((st.Dev, st.Ino))) continue;
            if (!groups.TryGetValue((st.Dev, st.Ino), out var list)) groups[(st.Dev, st.Ino)] = list = [];
            list.Add(Path.GetRelativePath(viewRoot, file));
        }
        return groups;
    }

    private static string? HashFile(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsRegular(Libc.StatxBuffer st) => (st.Mode & 0xF000) == 0x8000;

    private static unsafe bool Lstat(string path, out Libc.StatxBuffer st)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        fixed (byte* p = bytes)
        {
            return Libc.StatxZ(Libc.AT_FDCWD, p, Libc.AT_SYMLINK_NOFOLLOW, out st) == Errno.OK;
        }
    }
}
