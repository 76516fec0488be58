// Stable view inode numbers (docs/format.md sections 11.3 and 18).
namespace ReverseCrypt.FileSystems;

/// <summary>
/// Maps (device, tag, plaintext inode) to the inode number shown in the view, deterministically and without
/// collisions within one mount:
/// <list type="bullet">
/// <item>objects on the root's device with tag 0 keep their plaintext inode number (hard links share it);</item>
/// <item>every (device, tag) pair gets a 15-bit namespace in bits 48..62: the root device's tags 0, 1, 2 are
/// namespaces 0, 1, 2 (so a directory IV file is <c>1 &lt;&lt; 48 | directory inode</c> and a long-name file
/// <c>2 &lt;&lt; 48 | inode</c>, as gocryptfs shows them); other devices get a namespace derived from their device
/// number (a hash, probing on collision), so the same tree gives the same numbers after a remount;</item>
/// <item>inode numbers of 2^48 or more, which do not fit, get "spill" numbers 2^63 + n in order of first use.</item>
/// </list>
/// The FUSE root node id (1) is reserved for the root directory and never handed out.
/// </summary>
public sealed class InodeMap
{
    /// <summary>Tags: a real object, a directory's gocryptfs.diriv, a long-named object's .name file.</summary>
    public const int TagReal = 0, TagDirIv = 1, TagLongName = 2;

    private const int NamespaceBits = 15;
    private const int InoBits = 48;
    private const ulong InoMask = (1UL << InoBits) - 1;
    private const int NamespaceCount = (1 << NamespaceBits) - 1;   // 0 .. 32766, like gocryptfs
    private const int ReservedNamespaces = 3;
    private const ulong SpillBase = 1UL << 63;
    private const ulong RootNodeId = 1;

    private readonly ulong _rootDev;
    private readonly object _lock = new();
    private readonly Dictionary<(ulong Dev, int Tag), ulong> _namespaces = new();
    private readonly HashSet<ulong> _usedNamespaces = [0, 1, 2];
    private readonly Dictionary<(ulong Dev, int Tag, ulong Ino), ulong> _spill = new();
    private ulong _nextSpill;

    /// <param name="rootDev">st_dev of the plaintext root directory.</param>
    public InodeMap(ulong rootDev) => _rootDev = rootDev;

    /// <summary>The view inode number of the object (<paramref name="dev"/>, <paramref name="tag"/>, <paramref name="ino"/>).</summary>
    public ulong Map(ulong dev, int tag, ulong ino)
    {
        if ((uint)tag > TagLongName)
        {
            throw new ArgumentOutOfRangeException(nameof(tag));
        }
        if (dev == _rootDev && ino <= InoMask)
        {
            ulong fast = ((ulong)tag << InoBits) | ino;
            if (fast != RootNodeId)
            {
                return fast;
            }
        }
        lock (_lock)
        {
            if (ino <= InoMask && (dev != _rootDev || tag != TagReal || ino != RootNodeId))
            {
                ulong ns = NamespaceOf(dev, tag);
                if (ns != ulong.MaxValue)
                {
                    return (ns << InoBits) | ino;
                }
            }
            if (!_spill.TryGetValue((dev, tag, ino), out ulong spilled))
            {
                spilled = SpillBase + _nextSpill++;
                _spill.Add((dev, tag, ino), spilled);
            }
            return spilled;
        }
    }

    // Caller holds _lock. ulong.MaxValue when every namespace is taken.
    private ulong NamespaceOf(ulong dev, int tag)
    {
        if (dev == _rootDev)
        {
            return (ulong)tag;
        }
        if (_namespaces.TryGetValue((dev, tag), out ulong ns))
        {
            return ns;
        }
        if (_usedNamespaces.Count >= NamespaceCount)
        {
            return ulong.MaxValue;
        }
        ulong start = Mix(dev * 4 + (ulong)tag) % (NamespaceCount - ReservedNamespaces) + ReservedNamespaces;
        ns = start;
        while (_usedNamespaces.Contains(ns))
        {
            ns = ns + 1 >= NamespaceCount ? ReservedNamespaces : ns + 1;
        }
        _usedNamespaces.Add(ns);
        _namespaces.Add((dev, tag), ns);
        return ns;
    }

    // splitmix64 finaliser: a fixed, well-spread function of the device number.
    private static ulong Mix(ulong x)
    {
        x += 0x9e3779b97f4a7c15UL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
        return x ^ (x >> 31);
    }
}
