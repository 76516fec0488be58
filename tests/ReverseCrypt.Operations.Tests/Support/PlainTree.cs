namespace ReverseCrypt.Operations.Tests.Support;

/// <summary>
/// Builds plaintext trees with raw *at syscalls, so names can be any bytes: files (sparse ones too), directories,
/// symlinks, FIFOs, sockets, device nodes, hard links, owners, modes, nanosecond times, xattrs.
/// Paths are relative, '/'-separated byte strings (strings are taken as UTF-8).
/// </summary>
public sealed class PlainTree(string root)
{
    public string Root { get; } = root;

    public static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    public PlainTree Dir(string path, uint mode = 0x1ED) => Dir(B(path), mode);

    public PlainTree Dir(byte[] path, uint mode = 0x1ED) => At(path, (fd, name) =>
    {
        Ok(Libc.MkdiratName(fd, name, mode), "mkdir", path);
        Ok(Libc.FchmodatName(fd, name, mode), "chmod", path);
    });

    public PlainTree File(string path, byte[] content, uint mode = 0x1A4) => File(B(path), content, mode);

    public PlainTree File(string path, string content, uint mode = 0x1A4) => File(B(path), B(content), mode);

    public PlainTree File(byte[] path, byte[] content, uint mode = 0x1A4) => At(path, (fd, name) =>
    {
        using var file = Libc.OpenatCreate(fd, name, Libc.OpenFlags.O_WRONLY | Libc.OpenFlags.O_CREAT | Libc.OpenFlags.O_EXCL, 0x180, out var errno);
        Assert.That(errno, Is.EqualTo(Errno.OK), $"create {BytePath.Display(path)}");
        Ok(Libc.PwriteFull(file!, content, 0), "write", path);
        Ok(Libc.FchmodFd(file!, mode), "chmod", path);
    });

    /// <summary>A file of <paramref name="size"/> bytes holding <paramref name="data"/> at the given offsets, holes elsewhere.</summary>
    public PlainTree Sparse(string path, long size, params (long Offset, byte[] Data)[] data) => At(B(path), (fd, name) =>
    {
        using var file = Libc.OpenatCreate(fd, name, Libc.OpenFlags.O_WRONLY | Libc.OpenFlags.O_CREAT | Libc.OpenFlags.O_EXCL, 0x1A4, out var errno);
        Assert.That(errno, Is.EqualTo(Errno.OK), $"create {path}");
        foreach (var (offset, bytes) in data)
        {
            Ok(Libc.PwriteFull(file!, bytes, offset), "write", B(path));
        }
        Ok(Libc.FtruncateFd(file!, size), "truncate", B(path));
    });

    public PlainTree Symlink(string path, string target) => Symlink(B(path), B(target));

    public PlainTree Symlink(byte[] path, byte[] target) =>
        At(path, (fd, name) => Ok(Libc.SymlinkatName(target, fd, name), "symlink", path));

    public PlainTree Fifo(string path, uint mode = 0x1A4) => Node(path, CipherIo.S_IFIFO | mode, 0);

    public PlainTree Socket(string path, uint mode = 0x1ED) => Node(path, CipherIo.S_IFSOCK | mode, 0);

    public PlainTree CharDevice(string path, uint major, uint minor) => Node(path, CipherIo.S_IFCHR | 0x1B0, Libc.MakeDev(major, minor));

    public PlainTree BlockDevice(string path, uint major, uint minor) => Node(path, CipherIo.S_IFBLK | 0x1B0, Libc.MakeDev(major, minor));

    public PlainTree HardLink(string existing, string path) => HardLink(B(existing), B(path));

    public PlainTree HardLink(byte[] existing, byte[] path)
    {
        using var from = OpenParent(existing, out var fromName);
        return At(path, (fd, name) => Ok(Libc.LinkatName(from, fromName, fd, name), "link", path));
    }

    public PlainTree Owner(string path, uint uid, uint gid) => Owner(B(path), uid, gid);

    public PlainTree Owner(byte[] path, uint uid, uint gid) =>
        At(path, (fd, name) => Ok(Libc.FchownatName(fd, name, uid, gid), "chown", path));

    /// <summary>chmod after chown (chown clears setuid/setgid).</summary>
    public PlainTree Mode(string path, uint mode) => At(B(path), (fd, name) => Ok(Libc.FchmodatName(fd, name, mode), "chmod", B(path)));

    public PlainTree Times(string path, long mtimeSec, uint mtimeNsec) => Times(B(path), mtimeSec, mtimeNsec);

    public PlainTree Times(byte[] path, long mtimeSec, uint mtimeNsec) => At(path, (fd, name) =>
        Ok(Libc.UtimensatName(fd, name, new Libc.Timespec(mtimeSec - 1000, 5), new Libc.Timespec(mtimeSec, mtimeNsec)), "utimens",
            path));

    public PlainTree Xattr(string path, string attrName, byte[] value) => Xattr(B(path), attrName, value);

    public PlainTree Xattr(byte[] path, string attrName, byte[] value) =>
        At(path, (fd, name) => Ok(Libc.SetxattrAt(fd, name, B(attrName), value, 0), "setxattr " + attrName, path));

    /// <summary>setfacl ARGS path (UTF-8 paths only).</summary>
    public PlainTree Acl(string path, string setfaclArguments)
    {
        Run.Ok($"setfacl {setfaclArguments} {Run.Quote(System.IO.Path.Combine(Root, path))}");
        return this;
    }

    /// <summary>Gives every object of the tree (root included) a distinct mtime with nanoseconds, directories last
    /// (deepest first), starting at <paramref name="baseSeconds"/>.</summary>
    public PlainTree StampAllTimes(long baseSeconds)
    {
        var snapshot = TreeSnapshot.Take(Root);
        long i = 0;
        foreach (var path in snapshot.Nodes.Keys.Where(p => snapshot.Nodes[p].Type != "dir").ToList())
        {
            Times(Unescape(path), baseSeconds + i * 3601, (uint)(123456789 + i * 7));
            i++;
        }
        foreach (var path in snapshot.Nodes.Keys.Where(p => snapshot.Nodes[p].Type == "dir").OrderByDescending(p => p.Length).ToList())
        {
            if (path == ".")
            {
                using var rootFd = CipherIo.OpenRootDirectory(Root, out _)!;
                Ok(Libc.FutimensFd(rootFd, new Libc.Timespec(baseSeconds, 1), new Libc.Timespec(baseSeconds + 42, 999999999)), "utimens",
                    []);
                continue;
            }
            Times(Unescape(path), baseSeconds + i * 3601, (uint)(987654321 - i * 11));
            i++;
        }
        return this;
    }

    private static byte[] Unescape(string displayPath)
    {
        Assert.That(BytePath.TryParseDisplay(displayPath, out var bytes), Is.True);
        return bytes;
    }

    private PlainTree Node(string path, uint mode, ulong dev) =>
        At(B(path), (fd, name) =>
        {
            Ok(Libc.MknodatName(fd, name, mode, dev), "mknod", B(path));
            Ok(Libc.FchmodatName(fd, name, mode & 0xFFF), "chmod", B(path));
        });

    private PlainTree At(byte[] path, Action<SafeFd, byte[]> action)
    {
        using var parent = OpenParent(path, out var name);
        action(parent, name);
        return this;
    }

    private SafeFd OpenParent(byte[] path, out byte[] name)
    {
        Assert.That(BytePath.TrySplit(path, out var components) && components.Count > 0, Is.True, "bad path");
        name = components[^1];
        var fd = CipherIo.OpenRootDirectory(Root, out var errno)!;
        for (int i = 0; i < components.Count - 1; i++)
        {
            var next = CipherIo.OpenDirectory(fd, components[i], out errno);
            fd.Dispose();
            Assert.That(next, Is.Not.Null, $"open {BytePath.Display(path)}: {errno}");
            fd = next!;
        }
        return fd;
    }

    private static void Ok(Errno errno, string what, byte[] path) =>
        Assert.That(errno, Is.EqualTo(Errno.OK), $"{what} {BytePath.Display(path)}");
}
