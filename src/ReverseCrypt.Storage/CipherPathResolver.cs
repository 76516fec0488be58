// Mapping paths between the plaintext and the encrypted tree without a mount (docs/format.md 5, 6, 7): plaintext to
// cipher by encrypting each component with its directory's IV, cipher to plaintext by decrypting (long names
// through their .name files).
using ReverseCrypt.Format;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Storage;

/// <summary>Resolves paths in both directions, walking the encrypted tree one directory descriptor at a time.</summary>
public sealed class CipherPathResolver
{
    private readonly CipherTree _tree;

    public CipherPathResolver(CipherTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        _tree = tree;
    }

    /// <summary>
    /// Finds the object at <paramref name="plainPath"/> ('/'-separated plaintext path relative to the tree root;
    /// empty = the root). Null with a <see cref="CipherProblemKind.NotFound"/> (or read) problem when a component
    /// does not exist or a directory on the way cannot be opened.
    /// </summary>
    public ResolvedPath? Resolve(ReadOnlySpan<byte> plainPath, out CipherProblem? problem)
    {
        problem = null;
        if (!BytePath.TrySplit(plainPath, out var components))
        {
            problem = new CipherProblem(CipherProblemKind.NotFound, [], plainPath.ToArray(), "not a valid relative path ('..' or an over-long name)");
            return null;
        }
        var directory = _tree.OpenRoot();
        if (components.Count == 0)
        {
            var rootErrno = Libc.StatxFd(directory.Handle, out var rootStat);
            directory.Dispose();
            if (rootErrno != Errno.OK)
            {
                problem = new CipherProblem(CipherProblemKind.ReadError, [], [], Libc.Describe(rootErrno));
                return null;
            }
            return new ResolvedPath(null, [], [], [], [], rootStat, []);
        }
        var ancestors = new List<ResolvedAncestor>();
        Span<byte> cipherName = stackalloc byte[CipherTree.MaxVisibleNameLength];
        for (int i = 0; ; i++)
        {
            var plainName = components[i];
            var errno = _tree.Resolve(directory.Handle, directory.CipherPath, directory.Ivs, plainName, cipherName, out int length,
                out var stat);
            var cipherPath = BytePath.Join(directory.CipherPath, cipherName[..length]);
            var childPlainPath = BytePath.Join(directory.PlainPath, plainName);
            if (errno != Errno.OK)
            {
                problem = new CipherProblem(errno == Errno.ENOENT ? CipherProblemKind.NotFound : CipherProblemKind.ReadError,
                    errno == Errno.ENOENT ? directory.CipherPath : cipherPath, childPlainPath,
                    errno == Errno.ENOENT ? "no such file or directory in the encrypted tree" : Libc.Describe(errno));
                directory.Dispose();
                return null;
            }
            if (i == components.Count - 1)
            {
                return new ResolvedPath(directory, cipherName[..length].ToArray(), plainName, cipherPath, childPlainPath, stat,
                    ancestors);
            }
            if (stat.FileType != CipherIo.S_IFDIR)
            {
                problem = new CipherProblem(CipherProblemKind.NotFound, cipherPath, childPlainPath, "not a directory");
                directory.Dispose();
                return null;
            }
            var entry = new CipherEntry(cipherName[..length].ToArray(), plainName, CipherIo.DirentTypeOf(stat.Mode), stat.Ino);
            var child = _tree.OpenDirectory(directory, entry, out errno);
            directory.Dispose();
            if (child is null)
            {
                problem = new CipherProblem(CipherProblemKind.ReadError, cipherPath, childPlainPath, Libc.Describe(errno));
                return null;
            }
            ancestors.Add(new ResolvedAncestor(cipherPath, childPlainPath, plainName, stat));
            directory = child;
        }
    }

    /// <summary>
    /// The cipher path of <paramref name="plainPath"/>. Existing directories supply their stored IVs; from the first
    /// missing component on, the path-derived IVs of reverse mode are used and <paramref name="exists"/> is false.
    /// Null when the path is not valid.
    /// </summary>
    public byte[]? Encrypt(ReadOnlySpan<byte> plainPath, out bool exists)
    {
        exists = false;
        if (!BytePath.TrySplit(plainPath, out var components))
        {
            return null;
        }
        CipherDirectory? directory = _tree.OpenRoot();
        byte[] cipherPath = [];
        Span<byte> cipherName = stackalloc byte[CipherTree.MaxVisibleNameLength];
        Span<byte> fullName = stackalloc byte[NameTransform.MaxCipherNameLength];
        try
        {
            for (int index = 0; index < components.Count; index++)
            {
                var plainName = components[index];
                int length;
                if (directory is not null)
                {
                    var errno = _tree.Resolve(directory.Handle, directory.CipherPath, directory.Ivs, plainName, cipherName, out length,
                        out var stat);
                    if (errno == Errno.OK)
                    {
                        cipherPath = BytePath.Join(cipherPath, cipherName[..length]);
                        CipherDirectory? next = null;
                        if (stat.FileType == CipherIo.S_IFDIR)
                        {
                            var entry = new CipherEntry(cipherName[..length].ToArray(), plainName, 0, 0);
                            next = _tree.OpenDirectory(directory, entry, out _);
                        }
                        directory.Dispose();
                        directory = next;
                        continue;
                    }
                    var ivs = directory.Ivs;
                    directory.Dispose();
                    directory = null;
                    length = EncryptComponent(plainName, ivs[0], cipherName, fullName);
                }
                else
                {
                    Span<byte> iv = stackalloc byte[PathIv.Size];
                    _tree.Names.ComputeDirIv(cipherPath, iv);
                    length = EncryptComponent(plainName, iv, cipherName, fullName);
                }
                cipherPath = BytePath.Join(cipherPath, cipherName[..length]);
                exists = false;
                return AppendMissing(cipherPath, components, index + 1);
            }
            exists = true;
            return cipherPath;
        }
        finally
        {
            directory?.Dispose();
        }
    }

    /// <summary>
    /// The plaintext path of <paramref name="cipherPath"/> (as it appears in the tree, long names hashed). Null with
    /// a problem when a component is a special gocryptfs file, does not exist, or does not decrypt.
    /// </summary>
    public byte[]? Decrypt(ReadOnlySpan<byte> cipherPath, out CipherProblem? problem)
    {
        problem = null;
        if (!BytePath.TrySplit(cipherPath, out var components))
        {
            problem = new CipherProblem(CipherProblemKind.NotFound, cipherPath.ToArray(), null, "not a valid relative path");
            return null;
        }
        var directory = _tree.OpenRoot();
        Span<byte> fullName = stackalloc byte[NameTransform.MaxCipherNameLength];
        Span<byte> plainName = stackalloc byte[NameTransform.MaxPlainNameLength];
        try
        {
            for (int i = 0; i < components.Count; i++)
            {
                var cipherName = components[i];
                var childCipherPath = BytePath.Join(directory.CipherPath, cipherName);
                if (_tree.IsSpecialName(directory.CipherPath, cipherName))
                {
                    problem = new CipherProblem(CipherProblemKind.NotFound, childCipherPath, null,
                        $"a gocryptfs metadata file of directory {BytePath.Display(directory.PlainPath)}, not a plaintext object");
                    return null;
                }
                var errno = Libc.StatxName(directory.Handle, cipherName, out var stat);
                if (errno != Errno.OK)
                {
                    problem = new CipherProblem(errno == Errno.ENOENT ? CipherProblemKind.NotFound : CipherProblemKind.ReadError,
                        childCipherPath, null, Libc.Describe(errno));
                    return null;
                }
                int plainLength;
                bool isLong = !_tree.Options.PlaintextNames && NameTransform.IsLongNameEntry(cipherName);
                if (_tree.Options.PlaintextNames)
                {
                    cipherName.CopyTo(plainName);
                    plainLength = cipherName.Length;
                }
                else
                {
                    scoped ReadOnlySpan<byte> full = cipherName;
                    if (isLong)
                    {
                        int fullLength = _tree.ReadNameFile(directory.Handle, cipherName, fullName, out var kind, out var detail);
                        if (fullLength < 0)
                        {
                            problem = new CipherProblem(kind, childCipherPath, null, detail);
                            return null;
                        }
                        full = fullName[..fullLength];
                    }
                    if (!_tree.TryDecryptName(full, directory.Ivs, plainName, out plainLength, out _))
                    {
                        problem = new CipherProblem(CipherProblemKind.NameUndecryptable, childCipherPath, null,
                            $"the name does not decrypt (in plaintext directory {BytePath.Display(directory.PlainPath)})");
                        return null;
                    }
                }
                if (i == components.Count - 1)
                {
                    return BytePath.Join(directory.PlainPath, plainName[..plainLength]);
                }
                var entry = new CipherEntry(cipherName, plainName[..plainLength].ToArray(), CipherIo.DirentTypeOf(stat.Mode), stat.Ino);
                var child = _tree.OpenDirectory(directory, entry, out errno);
                if (child is null)
                {
                    problem = new CipherProblem(CipherProblemKind.ReadError, childCipherPath, entry.PlainName, Libc.Describe(errno));
                    return null;
                }
                directory.Dispose();
                directory = child;
            }
            return [];
        }
        finally
        {
            directory.Dispose();
        }
    }

    private byte[] AppendMissing(byte[] cipherPath, List<byte[]> components, int start)
    {
        Span<byte> cipherName = stackalloc byte[CipherTree.MaxVisibleNameLength];
        Span<byte> fullName = stackalloc byte[NameTransform.MaxCipherNameLength];
        Span<byte> iv = stackalloc byte[PathIv.Size];
        for (int i = start; i < components.Count; i++)
        {
            _tree.Names.ComputeDirIv(cipherPath, iv);
            int length = EncryptComponent(components[i], iv, cipherName, fullName);
            cipherPath = BytePath.Join(cipherPath, cipherName[..length]);
        }
        return cipherPath;
    }

    private int EncryptComponent(ReadOnlySpan<byte> plainName, ReadOnlySpan<byte> iv, Span<byte> cipherName, Span<byte> fullName)
    {
        int fullLength = _tree.Names.EncryptName(plainName, iv, fullName);
        if (_tree.Names.IsLongName(fullLength))
        {
            return _tree.Names.HashLongName(fullName[..fullLength], cipherName);
        }
        fullName[..fullLength].CopyTo(cipherName);
        return fullLength;
    }
}
