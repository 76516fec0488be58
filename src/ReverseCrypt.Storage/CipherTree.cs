// Reading a gocryptfs AES-SIV tree (a copy of a reverse view, or a forward filesystem) as docs/format.md section 13
// describes it: names (7.2, 7.5), directory IVs (6, 13 step 2 incl. the path-IV fallback), contents (8, 13 step 6),
// symlinks (9), xattrs (10). Every byte read from the tree is treated as hostile input.
using ReverseCrypt.Format;
using ReverseCrypt.Format.Content;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Storage;

/// <summary>
/// The shared reader of an encrypted tree used by the forward mount, restore, fsck and path mapping. Stateless apart
/// from the root descriptor and the ciphers, and thread-safe. Objects are addressed as a name inside a directory
/// descriptor; nothing is ever reached through a path, and no symlink in the tree is followed.
/// </summary>
public sealed partial class CipherTree : IDisposable
{
    /// <summary>Largest legal .name content (a 255-byte name, padded base64) plus one byte to detect oversize.</summary>
    private const int NameFileBufferSize = NameTransform.MaxCipherNameLength + 1;

    private readonly SafeFd? _root;

    /// <summary>Opens the tree at <paramref name="cipherDir"/>. The core is borrowed (the caller disposes it).</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="IOException">It is not a readable directory.</exception>
    public CipherTree(string cipherDir, CryptoCore core)
    {
        ArgumentNullException.ThrowIfNull(cipherDir);
        ArgumentNullException.ThrowIfNull(core);
        _root = CipherIo.OpenRootDirectory(cipherDir, out var errno) ?? throw errno switch
        {
            Errno.ENOENT => new DirectoryNotFoundException($"{cipherDir}: no such directory"),
            Errno.EACCES or Errno.EPERM => new UnauthorizedAccessException($"{cipherDir}: {Libc.Describe(errno)}"),
            _ => new IOException($"{cipherDir}: {Libc.Describe(errno)}"),
        };
        RootPath = cipherDir;
        Options = core.Options;
        Names = new NameTransform(core);
        Symlinks = new SymlinkTransform(core);
        Xattrs = new XattrTransform(core);
        Content = new ContentCipher(core.ContentSiv);
    }

    /// <summary>A tree behind <paramref name="store"/> (no local root descriptor; <see cref="RootFd"/> and the walk
    /// helpers are unavailable, the <see cref="CipherDir"/> methods work). <paramref name="label"/> names it in messages.</summary>
    public CipherTree(ICipherStore store, string label, CryptoCore core)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(core);
        Store = store;
        RootPath = label;
        Options = core.Options;
        Names = new NameTransform(core);
        Symlinks = new SymlinkTransform(core);
        Xattrs = new XattrTransform(core);
        Content = new ContentCipher(core.ContentSiv);
    }

    /// <summary>The store of a tree opened on one; null for a local tree.</summary>
    public ICipherStore? Store { get; }

    /// <summary>The root directory, local or in the store.</summary>
    public CipherDir Root => Store is null ? new CipherDir(RootFd) : new CipherDir(Store, []);

    /// <summary>The directory the tree was opened from.</summary>
    public string RootPath { get; }

    public FormatOptions Options { get; }

    public NameTransform Names { get; }

    public SymlinkTransform Symlinks { get; }

    public XattrTransform Xattrs { get; }

    public ContentCipher Content { get; }

    /// <summary>The root directory's descriptor (O_RDONLY|O_DIRECTORY), valid until disposal.</summary>
    public SafeFd RootFd => _root ?? throw new InvalidOperationException("a store tree has no root descriptor");

    /// <summary>Opens the root for a walk: a new descriptor plus its IVs.</summary>
    public CipherDirectory OpenRoot()
    {
        var fd = CipherIo.ReopenDirectory(RootFd, out var errno)
                 ?? throw new IOException($"{RootPath}: {Libc.Describe(errno)}");
        return new CipherDirectory(fd, [], [], DirectoryIvs.Read(fd, [], Options));
    }

    /// <summary>Opens the subdirectory <paramref name="entry"/> of <paramref name="parent"/> (not following a symlink).
    /// Null with <paramref name="errno"/> (ENOTDIR when it is no directory).</summary>
    public CipherDirectory? OpenDirectory(CipherDirectory parent, CipherEntry entry, out Errno errno)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(entry);
        var fd = CipherIo.OpenDirectory(parent.Handle, entry.CipherName, out errno);
        if (fd is null)
        {
            return null;
        }
        var cipherPath = BytePath.Join(parent.CipherPath, entry.CipherName);
        return new CipherDirectory(fd, cipherPath, BytePath.Join(parent.PlainPath, entry.PlainName),
            DirectoryIvs.Read(fd, cipherPath, Options));
    }

    /// <summary>Lists and decrypts the directory.</summary>
    public DirectoryListing List(CipherDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return List(directory.Handle, directory.CipherPath, directory.PlainPath, directory.Ivs);
    }

    /// <summary>True for a name in directory <paramref name="cipherDirPath"/> that is part of the format rather than
    /// of the data: gocryptfs.conf in the root, gocryptfs.diriv (with DirIV), and .name files (with encrypted names).</summary>
    public bool IsSpecialName(ReadOnlySpan<byte> cipherDirPath, ReadOnlySpan<byte> cipherName)
    {
        if (cipherDirPath.IsEmpty && cipherName.SequenceEqual(NameTransform.ConfFileName))
        {
            return true;
        }
        if (Options.PlaintextNames)
        {
            return false;
        }
        return (Options.HasDirIvFiles && cipherName.SequenceEqual(NameTransform.DirIvFileName))
               || NameTransform.IsLongNameDotName(cipherName);
    }

    /// <summary>
    /// Lists the directory <paramref name="dirFd"/> (cipher path <paramref name="cipherDirPath"/>, plaintext path
    /// <paramref name="plainDirPath"/>) and decrypts every name with <paramref name="ivs"/>. Special files are left
    /// out; every entry that cannot be decrypted is reported, never guessed.
    /// </summary>
    public DirectoryListing List(SafeFd dirFd, ReadOnlySpan<byte> cipherDirPath, ReadOnlySpan<byte> plainDirPath, DirectoryIvs ivs) =>
        List(new CipherDir(dirFd), cipherDirPath, plainDirPath, ivs);

    /// <summary><see cref="List(int, ReadOnlySpan{byte}, ReadOnlySpan{byte}, DirectoryIvs)"/> for a local or store directory.</summary>
    public DirectoryListing List(CipherDir dir, ReadOnlySpan<byte> cipherDirPath, ReadOnlySpan<byte> plainDirPath, DirectoryIvs ivs)
    {
        ArgumentNullException.ThrowIfNull(ivs);
        var entries = new List<CipherEntry>();
        var problems = new List<CipherProblem>();
        AddDirIvProblem(cipherDirPath, plainDirPath, ivs, problems);
        var raw = dir.ReadEntries(out var errno);
        if (raw is null)
        {
            problems.Add(new CipherProblem(CipherProblemKind.ReadError, cipherDirPath.ToArray(), plainDirPath.ToArray(),
                $"directory cannot be listed: {Libc.Describe(errno)}"));
            return new DirectoryListing(ivs, entries, problems);
        }

        var seenPlain = new HashSet<byte[]>(ByteArrayComparer.Instance);
        var entryNames = new HashSet<byte[]>(ByteArrayComparer.Instance);
        List<byte[]>? dotNames = null;
        bool usedFallback = false, usedStored = false;
        Span<byte> plainName = stackalloc byte[NameTransform.MaxPlainNameLength];
        Span<byte> nameFile = stackalloc byte[NameFileBufferSize];

        foreach (var item in raw)
        {
            var cipherName = item.Name;
            if (Options.PlaintextNames)
            {
                if (!(cipherDirPath.IsEmpty && cipherName.AsSpan().SequenceEqual(NameTransform.ConfFileName)))
                {
                    AddEntry(new CipherEntry(cipherName, cipherName, item.Type, item.Ino), cipherDirPath, plainDirPath,
                        seenPlain, entries, problems);
                }
                continue;
            }
            if (IsSpecialName(cipherDirPath, cipherName))
            {
                if (NameTransform.IsLongNameDotName(cipherName))
                {
                    (dotNames ??= []).Add(cipherName);
                }
                continue;
            }
            entryNames.Add(cipherName);

            scoped ReadOnlySpan<byte> fullCipherName = cipherName;
            bool isLong = NameTransform.IsLongNameEntry(cipherName);
            if (isLong)
            {
                int nameFileLength = ReadNameFile(dir, cipherName, nameFile, out var problemKind, out var detail);
                if (nameFileLength < 0)
                {
                    problems.Add(Problem(problemKind, cipherDirPath, cipherName, plainDirPath, detail));
                    continue;
                }
                fullCipherName = nameFile[..nameFileLength];
            }
            if (!TryDecryptName(fullCipherName, ivs, plainName, out int plainLength, out bool fallback))
            {
                problems.Add(Problem(CipherProblemKind.NameUndecryptable, cipherDirPath, cipherName, plainDirPath,
                    isLong ? "the name in the .name file does not decrypt" : "the name does not decrypt"));
                continue;
            }
            if (Names.IsLongName(fullCipherName.Length) != isLong)
            {
                problems.Add(Problem(CipherProblemKind.NameNotCanonical, cipherDirPath, cipherName, plainDirPath,
                    isLong ? "a short name stored as a long name" : "a long name stored without hashing"));
                continue;
            }
            usedFallback |= fallback;
            usedStored |= !fallback;
            AddEntry(new CipherEntry(cipherName, plainName[..plainLength].ToArray(), item.Type, item.Ino),
                cipherDirPath, plainDirPath, seenPlain, entries, problems);
        }

        if (dotNames is not null)
        {
            foreach (var dotName in dotNames)
            {
                if (!entryNames.Contains(dotName[..^NameTransform.LongNameSuffix.Length]))
                {
                    problems.Add(Problem(CipherProblemKind.LongNameOrphan, cipherDirPath, dotName, plainDirPath,
                        ".name file without its long-named entry"));
                }
            }
        }
        if (usedFallback && ivs.FirstIsStored)
        {
            problems.Add(Problem(CipherProblemKind.DirIvStale, cipherDirPath, NameTransform.DirIvFileName, plainDirPath,
                usedStored
                    ? "some names only decrypt with the path-derived IV"
                    : "names only decrypt with the path-derived IV (stale or altered gocryptfs.diriv)"));
        }
        return new DirectoryListing(ivs, entries, problems);
    }

    private static void AddEntry(CipherEntry entry, ReadOnlySpan<byte> cipherDirPath, ReadOnlySpan<byte> plainDirPath,
        HashSet<byte[]> seenPlain, List<CipherEntry> entries, List<CipherProblem> problems)
    {
        if (seenPlain.Add(entry.PlainName))
        {
            entries.Add(entry);
        }
        else
        {
            problems.Add(new CipherProblem(CipherProblemKind.DuplicateName, BytePath.Join(cipherDirPath, entry.CipherName),
                BytePath.Join(plainDirPath, entry.PlainName), "another entry of the directory has the same plaintext name"));
        }
    }

    /// <summary>
    /// Decrypts a full (unhashed) encrypted name with the directory's candidate IVs in order. False when none works.
    /// </summary>
    public bool TryDecryptName(ReadOnlySpan<byte> fullCipherName, DirectoryIvs ivs, Span<byte> plainName, out int plainLength,
        out bool usedFallback)
    {
        ArgumentNullException.ThrowIfNull(ivs);
        for (int i = 0; i < ivs.Count; i++)
        {
            if (Names.TryDecryptName(fullCipherName, ivs[i], plainName, out plainLength))
            {
                usedFallback = ivs.IsFallback(i);
                return true;
            }
        }
        plainLength = 0;
        usedFallback = false;
        return false;
    }

    /// <summary>
    /// Finds the entry for <paramref name="plainName"/> in directory <paramref name="dirFd"/> by encrypting it (with
    /// each candidate IV in turn) and looking the result up with statx (not following symlinks). Writes the visible
    /// cipher name (hashed for long names) and returns OK, or ENOENT / another errno. The .name file is not needed:
    /// the hashed name already commits to the full encrypted name.
    /// </summary>
    public Errno Resolve(SafeFd dirFd, ReadOnlySpan<byte> cipherDirPath, DirectoryIvs ivs, ReadOnlySpan<byte> plainName,
        Span<byte> cipherName, out int cipherNameLength, out Libc.StatxBuffer stat) =>
        Resolve(new CipherDir(dirFd), cipherDirPath, ivs, plainName, cipherName, out cipherNameLength, out stat);

    /// <summary><see cref="Resolve(SafeFd, ReadOnlySpan{byte}, DirectoryIvs, ReadOnlySpan{byte}, Span{byte}, out int, out Libc.StatxBuffer)"/>
    /// for a local or store directory.</summary>
    public Errno Resolve(CipherDir dir, ReadOnlySpan<byte> cipherDirPath, DirectoryIvs ivs, ReadOnlySpan<byte> plainName,
        Span<byte> cipherName, out int cipherNameLength, out Libc.StatxBuffer stat)
    {
        ArgumentNullException.ThrowIfNull(ivs);
        cipherNameLength = 0;
        stat = default;
        if (!NameTransform.IsValidPlainName(plainName))
        {
            return plainName.Length > NameTransform.MaxPlainNameLength ? Errno.ENAMETOOLONG : Errno.EINVAL;
        }
        if (Options.PlaintextNames)
        {
            if (IsSpecialName(cipherDirPath, plainName))
            {
                return Errno.ENOENT;
            }
            plainName.CopyTo(cipherName);
            cipherNameLength = plainName.Length;
            return dir.Stat(plainName, out stat);
        }
        Span<byte> fullName = stackalloc byte[NameTransform.MaxCipherNameLength];
        for (int i = 0; i < ivs.Count; i++)
        {
            int fullLength = Names.EncryptName(plainName, ivs[i], fullName);
            int length = Names.IsLongName(fullLength)
                ? Names.HashLongName(fullName[..fullLength], cipherName)
                : CopyTo(fullName[..fullLength], cipherName);
            var errno = dir.Stat(cipherName[..length], out stat);
            if (errno != Errno.ENOENT)
            {
                cipherNameLength = length;
                return errno;
            }
        }
        return Errno.ENOENT;

        static int CopyTo(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            source.CopyTo(destination);
            return source.Length;
        }
    }

    /// <summary>Longest visible cipher name <see cref="Resolve"/> can write (a full name of up to 255 characters, or
    /// a hashed one).</summary>
    public const int MaxVisibleNameLength = 255;

    /// <summary>
    /// Reads the full encrypted name of the long-named entry <paramref name="hashedName"/> from its .name file and
    /// checks that it hashes to the entry name. Returns the length, or -1 with the problem.
    /// </summary>
    public int ReadNameFile(SafeFd dirFd, ReadOnlySpan<byte> hashedName, Span<byte> fullCipherName, out CipherProblemKind problem,
        out string detail) =>
        ReadNameFile(new CipherDir(dirFd), hashedName, fullCipherName, out problem, out detail);

    /// <summary>ReadNameFile for a local or store directory.</summary>
    public int ReadNameFile(CipherDir dir, ReadOnlySpan<byte> hashedName, Span<byte> fullCipherName, out CipherProblemKind problem,
        out string detail)
    {
        Span<byte> dotName = stackalloc byte[Libc.NameMax + 8];
        problem = CipherProblemKind.LongNameFileInvalid;
        if (hashedName.Length + NameTransform.LongNameSuffix.Length > Libc.NameMax)
        {
            detail = "long name entry too long";
            return -1;
        }
        hashedName.CopyTo(dotName);
        NameTransform.LongNameSuffix.CopyTo(dotName[hashedName.Length..]);
        dotName = dotName[..(hashedName.Length + NameTransform.LongNameSuffix.Length)];
        Span<byte> buffer = stackalloc byte[NameFileBufferSize];
        int length = dir.ReadSmallFile(dotName, buffer, out var errno);
        if (length < 0)
        {
            (problem, detail) = errno switch
            {
                Errno.ENOENT => (CipherProblemKind.LongNameFileMissing, "its .name file is missing"),
                Errno.EINVAL or Errno.ELOOP => (CipherProblemKind.UnexpectedType, "its .name file is not a regular file"),
                _ => (CipherProblemKind.ReadError, $"its .name file cannot be read: {Libc.Describe(errno)}"),
            };
            return -1;
        }
        if (length is 0 or > NameTransform.MaxCipherNameLength)
        {
            detail = $"its .name file has {(length == 0 ? "0" : "more than " + NameTransform.MaxCipherNameLength)} bytes";
            return -1;
        }
        Span<byte> hashed = stackalloc byte[NameTransform.MaxHashedNameLength];
        int hashedLength = Names.HashLongName(buffer[..length], hashed);
        if (!hashed[..hashedLength].SequenceEqual(hashedName))
        {
            problem = CipherProblemKind.LongNameHashMismatch;
            detail = "its .name file does not hash to the entry name (altered or swapped)";
            return -1;
        }
        if (fullCipherName.Length < length)
        {
            throw new ArgumentException("The name buffer is too small.", nameof(fullCipherName));
        }
        buffer[..length].CopyTo(fullCipherName);
        detail = "";
        return length;
    }

    public void Dispose() => _root?.Dispose();

    private static CipherProblem Problem(CipherProblemKind kind, ReadOnlySpan<byte> cipherDirPath, ReadOnlySpan<byte> cipherName,
        ReadOnlySpan<byte> plainDirPath, string detail) =>
        new(kind, BytePath.Join(cipherDirPath, cipherName), null,
            $"{detail} (in plaintext directory {BytePath.Display(plainDirPath)})");

    private void AddDirIvProblem(ReadOnlySpan<byte> cipherDirPath, ReadOnlySpan<byte> plainDirPath, DirectoryIvs ivs,
        List<CipherProblem> problems)
    {
        var kind = ivs.Status switch
        {
            DirIvStatus.Missing => CipherProblemKind.DirIvMissing,
            DirIvStatus.Invalid => CipherProblemKind.DirIvInvalid,
            DirIvStatus.Unreadable => CipherProblemKind.ReadError,
            _ => (CipherProblemKind?)null,
        };
        if (kind is { } k)
        {
            problems.Add(new CipherProblem(k, BytePath.Join(cipherDirPath, NameTransform.DirIvFileName), null,
                $"{ivs.Describe()}; names tried with the path-derived IV (directory {BytePath.Display(plainDirPath)})"));
        }
    }
}
