using ReverseCrypt.Format.Content;
using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations;

/// <summary>
/// Counts the objects and plaintext bytes below a cipher directory for progress estimates: one pass of getdents and
/// statx, nothing decrypted (plain sizes follow from cipher sizes, docs/format.md 8.4). Special gocryptfs files are not
/// counted. The walk keeps one descriptor per level and stops at <paramref name="maxDepth"/> levels.
/// </summary>
public static class TreeScanner
{
    private sealed class Frame(SafeFd? owned, SafeFd fd, byte[] cipherPath, List<RawDirEntry> entries)
    {
        public SafeFd? Owned { get; } = owned;
        public SafeFd Fd { get; } = fd;
        public byte[] CipherPath { get; } = cipherPath;
        public List<RawDirEntry> Entries { get; } = entries;
        public int Index;
    }

    /// <summary>Adds the objects below <paramref name="dirFd"/> (not the directory itself) to the counters.</summary>
    public static void Scan(CipherTree tree, SafeFd dirFd, byte[] cipherPath, int maxDepth, CancellationToken cancellation,
        ref long objects, ref long bytes)
    {
        ArgumentNullException.ThrowIfNull(tree);
        var first = CipherIo.ReadEntries(dirFd, out _);
        if (first is null)
        {
            return;
        }
        var stack = new Stack<Frame>();
        stack.Push(new Frame(null, dirFd, cipherPath, first));
        try
        {
            while (stack.Count > 0 && !cancellation.IsCancellationRequested)
            {
                var frame = stack.Peek();
                if (frame.Index >= frame.Entries.Count)
                {
                    stack.Pop().Owned?.Dispose();
                    continue;
                }
                var name = frame.Entries[frame.Index++].Name;
                if (tree.IsSpecialName(frame.CipherPath, name) || Libc.StatxName(frame.Fd, name, out var stat) != Errno.OK)
                {
                    continue;
                }
                Count(stat, ref objects, ref bytes);
                if (stat.FileType != CipherIo.S_IFDIR || stack.Count >= maxDepth)
                {
                    continue;
                }
                var child = CipherIo.OpenDirectory(frame.Fd, name, out _);
                var entries = child is null ? null : CipherIo.ReadEntries(child, out _);
                if (child is null || entries is null)
                {
                    child?.Dispose();
                    continue;
                }
                stack.Push(new Frame(child, child, BytePath.Join(frame.CipherPath, name), entries));
            }
        }
        finally
        {
            while (stack.Count > 0)
            {
                stack.Pop().Owned?.Dispose();
            }
        }
    }

    /// <summary>Adds one object (and its plaintext size when it is a regular file).</summary>
    public static void Count(Libc.StatxBuffer stat, ref long objects, ref long bytes)
    {
        objects++;
        if (stat.FileType == CipherIo.S_IFREG)
        {
            bytes += ContentLayout.CipherToPlainSize((long)stat.Size);
        }
    }
}
