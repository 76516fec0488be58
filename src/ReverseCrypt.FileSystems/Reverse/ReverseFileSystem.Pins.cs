// What an open file shows (issue 12): the plaintext size an OPEN pins, and the attribute replies that tell the kernel
// that size while the file is open.
using ReverseCrypt.Format.Content;
using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;

namespace ReverseCrypt.FileSystems.Reverse;

public sealed partial class ReverseFileSystem
{
    /// <summary>A told state older than the attribute timeout plus this margin (our clock starts before the kernel
    /// receives the reply) is no longer used by the kernel without asking again.</summary>
    private static readonly TimeSpan s_toldMargin = TimeSpan.FromMilliseconds(500);

    private readonly object _pinLock = new();
    private readonly Dictionary<ulong, (int Opens, long Size)> _openPins = [];
    private int _openPinCount;

    /// <summary>
    /// The state an OPEN of a regular file serves: what the kernel was last told for the node while the kernel may
    /// still use it without asking (within the attribute timeout), so that a reader gets exactly the length it was
    /// told; otherwise the file as it is now (the kernel asks again before it relies on the size, and is then told
    /// the pinned size, see <see cref="ShowPinnedSize"/>). <paramref name="now"/>: the file's state at OPEN;
    /// <paramref name="changedSinceTold"/>: it differs from what the kernel was last told.
    /// </summary>
    private ReportedState ChoosePin(ReverseNode node, ReportedState now, out bool changedSinceTold)
    {
        var told = _nodes.GetReported(node.NodeId, out var age);
        changedSinceTold = told is { } t && t != now;
        return told is { } fresh && age <= _timeout + s_toldMargin ? fresh : now;
    }

    /// <summary>The state of a plaintext file as statx saw it, with the inode number the view shows for it.</summary>
    internal ReportedState StateOf(in Libc.StatxBuffer st) => ReportedState.FromStatx(st, _inodes.Map(st.Dev, InodeMap.TagReal, st.Ino));

    private void AddPin(ulong nodeId, long size)
    {
        lock (_pinLock)
        {
            var pin = _openPins.GetValueOrDefault(nodeId);
            _openPins[nodeId] = (pin.Opens + 1, size);
            Volatile.Write(ref _openPinCount, _openPins.Count);
        }
    }

    internal void RemovePin(ulong nodeId)
    {
        lock (_pinLock)
        {
            if (!_openPins.TryGetValue(nodeId, out var pin))
            {
                return;
            }
            if (pin.Opens > 1)
            {
                _openPins[nodeId] = (pin.Opens - 1, pin.Size);
            }
            else
            {
                _openPins.Remove(nodeId);
            }
            Volatile.Write(ref _openPinCount, _openPins.Count);
        }
    }

    /// <summary>While a regular file is open through the view, every attribute reply for its node shows the size
    /// pinned by its newest open (a reader's fstat after open must see the length the open serves). True when
    /// <paramref name="attr"/> was changed.</summary>
    private bool ShowPinnedSize(ulong nodeId, ref FuseAttr attr)
    {
        if (Volatile.Read(ref _openPinCount) == 0 || (attr.Mode & S_IFMT) != S_IFREG)
        {
            return false;
        }
        long size;
        lock (_pinLock)
        {
            if (!_openPins.TryGetValue(nodeId, out var pin))
            {
                return false;
            }
            size = pin.Size;
        }
        attr.Size = (ulong)ContentLayout.PlainToCipherSize(size);
        return true;
    }
}
