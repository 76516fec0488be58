using ReverseCrypt.Fuse;
using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.FileSystems.Forward;

public sealed partial class ForwardFileSystem
{
    public override Errno Opendir(ulong nodeId, int flags, out ulong fileHandle, out FuseOpenFlags openFlags)
    {
        fileHandle = 0;
        openFlags = FuseOpenFlags.None;
        var node = GetNode(nodeId);
        if (node is null)
        {
            return Errno.ENOENT;
        }
        if (!node.IsDirectory)
        {
            return Errno.ENOTDIR;
        }
        var errno = AcquireDir(node, out var lease);
        if (errno != Errno.OK)
        {
            return errno;
        }
        using (lease)
        {
            var ivs = DirectoryIvs.Read(lease.Dir, node.CipherPath, _tree.Options);
            node.Ivs = ivs;
            var listing = _tree.List(lease.Dir, node.CipherPath, node.PlainPath, ivs);
            if (listing.Problems.Count > 0)
            {
                LogProblems(listing.Problems);
            }
            lease.Dir.StatSelf(out var self);
            ulong ino = MapIno(self), parentIno = ino;
            if (!node.IsRoot && lease.Dir.Stat(".."u8, out var parent) == Errno.OK)
            {
                parentIno = MapIno(parent);
            }
            fileHandle = _handles.Add(new OpenDirectory(node, listing.Entries, ino, parentIno));
            return Errno.OK;
        }
    }

    public override Errno Readdir(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer)
    {
        if (_handles.Get(fileHandle) is not OpenDirectory dir)
        {
            return Errno.EBADF;
        }
        for (long index = Math.Max(0, offset); index < dir.Entries.Count + 2; index++)
        {
            bool added = index switch
            {
                0 => writer.TryAdd("."u8, dir.Ino, FuseConstants.DirentDirectory, 1),
                1 => writer.TryAdd(".."u8, dir.ParentIno, FuseConstants.DirentDirectory, 2),
                _ => AddEntry(ref writer, dir.Entries[(int)index - 2], index + 1),
            };
            if (!added)
            {
                break;
            }
        }
        return Errno.OK;

        static bool AddEntry(ref FuseDirectoryWriter writer, CipherEntry entry, long next) =>
            writer.TryAdd(entry.PlainName, entry.Ino, entry.Type, next);
    }

    public override Errno Readdirplus(ulong nodeId, ulong fileHandle, long offset, ref FuseDirectoryWriter writer)
    {
        if (_handles.Get(fileHandle) is not OpenDirectory dir)
        {
            return Errno.EBADF;
        }
        var errno = AcquireDir(dir.Node, out var lease);
        if (errno != Errno.OK)
        {
            return errno;
        }
        using (lease)
        {
            for (long index = Math.Max(0, offset); index < dir.Entries.Count + 2; index++)
            {
                if (index < 2)
                {
                    var dot = new FuseEntry
                    {
                        Attr = new FuseAttr { Ino = index == 0 ? dir.Ino : dir.ParentIno, Mode = FuseConstants.S_IFDIR | 0x1ED },
                    };
                    if (!writer.TryAddPlus(index == 0 ? "."u8 : ".."u8, dot, index + 1))
                    {
                        break;
                    }
                    continue;
                }
                var item = dir.Entries[(int)index - 2];
                if (lease.Dir.Stat(item.CipherName, out var stat) != Errno.OK)
                {
                    continue; // vanished since opendir
                }
                var node = GetOrAddChild(dir.Node, item.CipherName, item.PlainName, stat.FileType, addLookup: true);
                var entry = ToEntry(node, lease.Dir, stat);
                if (!writer.TryAddPlus(item.PlainName, entry, index + 1))
                {
                    Forget(node.NodeId, 1);
                    break;
                }
            }
            return Errno.OK;
        }
    }

    public override Errno Releasedir(ulong nodeId, ulong fileHandle, int flags)
    {
        _handles.Remove(fileHandle);
        return Errno.OK;
    }
}
