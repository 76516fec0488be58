using System.Text;
using ReverseCrypt.Interop;
using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Remote;

/// <summary>
/// The encrypted tree of a remote snapshot read over SFTP (<see cref="SftpClient"/>), for the forward view.
/// Attributes come from LSTAT and from the READDIR replies (a listed directory's children need no further round trip)
/// and are cached (<see cref="AttributeCacheEntries"/> entries, <see cref="AttributeTimeToLive"/>). File contents are
/// read in chunks of <see cref="ChunkSize"/> bytes kept in a block cache of <see cref="BlockCacheChunks"/> chunks; a
/// sequential reader gets the next <see cref="ReadAheadChunks"/> chunks requested ahead, pipelined on the one connection.
/// SFTP v3 has no inode numbers, link counts, ctime, nanoseconds, device numbers or xattrs: inode numbers are derived
/// from the cipher path (so hard links show as separate files), ctime is the mtime, the rest is zero.
/// </summary>
public sealed class SftpCipherStore : ICipherStore
{
    /// <summary>Bytes per READ request and block cache entry (128 KiB).</summary>
    public const int ChunkSize = 128 * 1024;

    /// <summary>Chunks kept in the block cache: 512 x 128 KiB = 64 MiB.</summary>
    public const int BlockCacheChunks = 512;

    /// <summary>Chunks requested ahead of a sequential reader: 16 x 128 KiB = 2 MiB in flight.</summary>
    public const int ReadAheadChunks = 16;

    /// <summary>Attributes kept (about 200 bytes each: at most about 13 MiB).</summary>
    public const int AttributeCacheEntries = 65_536;

    /// <summary>How long a cached attribute or chunk is used (a snapshot does not change once complete).</summary>
    public static readonly TimeSpan AttributeTimeToLive = TimeSpan.FromSeconds(60);

    private readonly SftpClient _client;
    private readonly byte[] _root;
    private readonly SftpCache<Libc.StatxBuffer> _attributes = new(AttributeCacheEntries, AttributeTimeToLive);
    private readonly SftpCache<Task<ReadOnlyMemory<byte>>> _blocks = new(BlockCacheChunks, AttributeTimeToLive);
    private long _nextFile;

    /// <param name="client">The connection (borrowed).</param>
    /// <param name="rootPath">The snapshot's directory on the remote, as SFTP sees it (relative to the login's home
    /// directory unless it starts with '/').</param>
    public SftpCipherStore(SftpClient client, byte[] rootPath)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(rootPath);
        _client = client;
        _root = rootPath.Length == 0 ? "."u8.ToArray() : rootPath;
    }

    public SftpClient Client => _client;

    /// <summary>The tree's directory on the remote, as given to the constructor ("." for the login directory).</summary>
    public byte[] RootPath => _root;

    /// <summary>Chunks currently cached (for tests).</summary>
    public int CachedChunks => _blocks.Count;

    public Errno Stat(ReadOnlySpan<byte> path, out Libc.StatxBuffer stat)
    {
        var key = Key(path);
        if (_attributes.TryGet(key, out stat))
        {
            return Errno.OK;
        }
        var full = FullPath(path);
        try
        {
            var reply = _client.Call(Sftp.Lstat, w => w.String(full));
            if (reply.Type == Sftp.Attrs)
            {
                stat = new SftpReader(reply.Payload).Attrs(Ino(path));
                _attributes.Set(key, stat);
                return Errno.OK;
            }
            stat = default;
            return StatusErrno(reply);
        }
        catch (Exception e) when (e is SftpException or Backup.BackupException)
        {
            stat = default;
            return ErrnoOf(e);
        }
    }

    public List<RawDirEntry>? ReadEntries(ReadOnlySpan<byte> dirPath, out Errno errno)
    {
        var full = FullPath(dirPath);
        var dirKey = dirPath.ToArray();
        try
        {
            var session = _client.Session();
            var opened = _client.Wait(session, SftpClient.Start(session, Sftp.Opendir, w => w.String(full)));
            if (opened.Type != Sftp.Handle)
            {
                errno = StatusErrno(opened);
                return null;
            }
            var handle = new SftpReader(opened.Payload).String().ToArray();
            var entries = new List<RawDirEntry>();
            try
            {
                while (true)
                {
                    var reply = _client.Wait(session, SftpClient.Start(session, Sftp.Readdir, w => w.String(handle)));
                    if (reply.Type != Sftp.Name)
                    {
                        errno = StatusErrno(reply);
                        if (errno == Errno.OK)
                        {
                            return entries; // SSH_FX_EOF: the end of the listing
                        }
                        return null;
                    }
                    var reader = new SftpReader(reply.Payload);
                    uint count = reader.UInt32();
                    for (uint i = 0; i < count; i++)
                    {
                        var name = reader.String();
                        reader.String(); // longname (ls -l text), unused
                        if (name.IsEmpty || name.SequenceEqual("."u8) || name.SequenceEqual(".."u8) || name.Contains((byte)'/'))
                        {
                            reader.Attrs(0);
                            continue;
                        }
                        var childPath = BytePath.Join(dirKey, name);
                        var attrs = reader.Attrs(Ino(childPath));
                        if (attrs.Mode != 0)
                        {
                            _attributes.Set(Key(childPath), attrs);
                        }
                        entries.Add(new RawDirEntry(name.ToArray(), CipherIo.DirentTypeOf(attrs.Mode), attrs.Ino));
                    }
                }
            }
            finally
            {
                Close(session, handle);
            }
        }
        catch (Exception e) when (e is SftpException or Backup.BackupException)
        {
            errno = ErrnoOf(e);
            return null;
        }
    }

    public int Readlink(ReadOnlySpan<byte> path, Span<byte> target, out Errno errno)
    {
        var full = FullPath(path);
        try
        {
            var reply = _client.Call(Sftp.Readlink, w => w.String(full));
            if (reply.Type != Sftp.Name)
            {
                errno = StatusErrno(reply);
                if (errno == Errno.OK || errno == Errno.EIO)
                {
                    errno = Errno.EINVAL; // not a symlink (the server says "failure")
                }
                return -1;
            }
            var reader = new SftpReader(reply.Payload);
            if (reader.UInt32() < 1)
            {
                errno = Errno.EINVAL;
                return -1;
            }
            var value = reader.String();
            if (value.Length > target.Length)
            {
                errno = Errno.ENAMETOOLONG;
                return -1;
            }
            value.CopyTo(target);
            errno = Errno.OK;
            return value.Length;
        }
        catch (Exception e) when (e is SftpException or Backup.BackupException)
        {
            errno = ErrnoOf(e);
            return -1;
        }
    }

    public ICipherContent? OpenRegular(ReadOnlySpan<byte> path, out Libc.StatxBuffer stat, out Errno errno)
    {
        // The type is checked before the open, so a FIFO of the remote tree never blocks the server.
        errno = Stat(path, out stat);
        if (errno != Errno.OK)
        {
            return null;
        }
        if (stat.FileType != CipherIo.S_IFREG)
        {
            errno = stat.FileType == CipherIo.S_IFLNK ? Errno.ELOOP : Errno.EINVAL;
            return null;
        }
        var file = new SftpFile(this, FullPath(path), stat, Interlocked.Increment(ref _nextFile));
        errno = file.EnsureOpen(out _, out _);
        if (errno != Errno.OK)
        {
            return null;
        }
        return file;
    }

    private byte[] FullPath(ReadOnlySpan<byte> path) =>
        path.IsEmpty ? _root : BytePath.Join(_root, path);

    private static string Key(ReadOnlySpan<byte> path) => Encoding.Latin1.GetString(path);

    /// <summary>A stable inode number from the cipher path (FNV-1a 64; never 0 or 1).</summary>
    private static ulong Ino(ReadOnlySpan<byte> path)
    {
        ulong hash = 14695981039346656037UL;
        foreach (var b in path)
        {
            hash = unchecked((hash ^ b) * 1099511628211UL);
        }
        return hash < 2 ? hash + 2 : hash;
    }

    internal static Errno StatusErrno(SftpReply reply)
    {
        if (reply.Type != Sftp.Status)
        {
            return Errno.EIO;
        }
        var reader = new SftpReader(reply.Payload);
        uint code = reader.UInt32();
        return code is Sftp.StatusOk or Sftp.StatusEof ? Errno.OK : SftpException.ErrnoOf(code);
    }

    internal static Errno ErrnoOf(Exception e) => e is SftpException s ? s.Errno : Errno.EIO;

    internal void Close(SftpSession session, byte[] handle)
    {
        if (!session.IsBroken)
        {
            _ = SftpClient.Start(session, Sftp.Close, w => w.String(handle)).ContinueWith(
                t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    /// <summary>One open remote file: its handle on the current connection (re-opened after a reconnect), chunked
    /// reads through the block cache and read-ahead for a sequential reader.</summary>
    private sealed class SftpFile : ICipherContent
    {
        private readonly SftpCipherStore _store;
        private readonly byte[] _path;
        private readonly long _size;
        private readonly string _cacheKey;
        private readonly Lock _lock = new();
        private SftpSession? _session;
        private byte[]? _handle;
        private long _lastEnd = -1;
        private long _aheadUntil;

        public SftpFile(SftpCipherStore store, byte[] path, Libc.StatxBuffer stat, long number)
        {
            _store = store;
            _path = path;
            _size = (long)stat.Size;
            // Chunks are shared between opens of the same unchanged file (same path, size and mtime).
            _cacheKey = $"{Key(path)}\0{stat.Size}\0{stat.Mtime.Sec}\0";
            _ = number;
        }

        /// <summary>A handle on the current connection: the one held, or a new OPEN (after a reconnect).</summary>
        public Errno EnsureOpen(out SftpSession session, out byte[] handle)
        {
            session = null!;
            handle = null!;
            try
            {
                var current = _store._client.Session();
                lock (_lock)
                {
                    if (_session == current && _handle is not null)
                    {
                        session = current;
                        handle = _handle;
                        return Errno.OK;
                    }
                }
                var reply = _store._client.Wait(current, SftpClient.Start(current, Sftp.Open, w =>
                {
                    w.String(_path);
                    w.UInt32(Sftp.OpenRead);
                    w.UInt32(0); // no attributes
                }));
                if (reply.Type != Sftp.Handle)
                {
                    return StatusErrno(reply) is var e && e == Errno.OK ? Errno.EIO : e;
                }
                var opened = new SftpReader(reply.Payload).String().ToArray();
                lock (_lock)
                {
                    if (_session == current && _handle is not null)
                    {
                        _store.Close(current, opened); // another thread was quicker
                    }
                    else
                    {
                        _session = current;
                        _handle = opened;
                    }
                    session = current;
                    handle = _handle;
                }
                return Errno.OK;
            }
            catch (Exception e) when (e is SftpException or Backup.BackupException)
            {
                return ErrnoOf(e);
            }
        }

        public int ReadFull(Span<byte> buffer, long offset, out Errno errno)
        {
            errno = Errno.OK;
            if (offset >= _size || buffer.IsEmpty)
            {
                return 0;
            }
            int wanted = (int)Math.Min(buffer.Length, _size - offset);
            long first = offset / ChunkSize, last = (offset + wanted - 1) / ChunkSize;
            bool sequential;
            lock (_lock)
            {
                sequential = offset == _lastEnd || offset == 0;
                _lastEnd = offset + wanted;
            }
            var chunks = new Task<ReadOnlyMemory<byte>>[last - first + 1];
            for (long c = first; c <= last; c++)
            {
                chunks[c - first] = Chunk(c);
            }
            if (sequential)
            {
                long aheadEnd = Math.Min(last + ReadAheadChunks, (_size - 1) / ChunkSize);
                long from;
                lock (_lock)
                {
                    from = Math.Max(last + 1, _aheadUntil);
                    _aheadUntil = Math.Max(_aheadUntil, aheadEnd + 1);
                }
                for (long c = from; c <= aheadEnd; c++)
                {
                    _ = Chunk(c);
                }
            }
            int copied = 0;
            for (long c = first; c <= last; c++)
            {
                var task = chunks[c - first];
                ReadOnlyMemory<byte> data;
                try
                {
                    if (!task.Wait(_store._client.Timeout + TimeSpan.FromSeconds(1)))
                    {
                        _session?.Fail($"no answer within {_store._client.Timeout.TotalSeconds:0.#} s");
                        errno = Errno.EIO;
                        return -1;
                    }
                    data = task.GetAwaiter().GetResult();
                }
                catch (Exception e) when (e is AggregateException or SftpException or Backup.BackupException)
                {
                    _store._blocks.Remove(ChunkKey(c));
                    errno = e is AggregateException a && a.InnerException is { } inner ? ErrnoOf(inner) : ErrnoOf(e);
                    return -1;
                }
                long chunkStart = c * ChunkSize;
                int skip = (int)Math.Max(0, offset - chunkStart);
                int take = Math.Min(data.Length - skip, wanted - copied);
                if (take <= 0)
                {
                    break; // shorter than its size said: end of file
                }
                data.Span.Slice(skip, take).CopyTo(buffer[copied..]);
                copied += take;
            }
            return copied;
        }

        private string ChunkKey(long chunk) => _cacheKey + chunk.ToString(System.Globalization.CultureInfo.InvariantCulture);

        private Task<ReadOnlyMemory<byte>> Chunk(long chunk)
        {
            var key = ChunkKey(chunk);
            var task = _store._blocks.GetOrAdd(key, () => FetchAsync(chunk), out _);
            if (task.IsFaulted)
            {
                _store._blocks.Remove(key); // a failure is not cached: the next read tries again
                task = _store._blocks.GetOrAdd(key, () => FetchAsync(chunk), out _);
            }
            return task;
        }

        private async Task<ReadOnlyMemory<byte>> FetchAsync(long chunk)
        {
            await Task.Yield(); // never run the request on the caller's lock
            var errno = EnsureOpen(out var session, out var handle);
            if (errno != Errno.OK)
            {
                throw new SftpException(errno, "cannot open " + Encoding.UTF8.GetString(_path));
            }
            long start = chunk * ChunkSize;
            int length = (int)Math.Min(ChunkSize, _size - start);
            byte[]? data = null; // only when the server answers a chunk in pieces
            int filled = 0;
            while (filled < length)
            {
                long at = start + filled;
                uint want = (uint)(length - filled);
                SftpReply reply;
                try
                {
                    reply = await SftpClient.Start(session, Sftp.Read, w =>
                    {
                        w.String(handle);
                        w.UInt64((ulong)at);
                        w.UInt32(want);
                    }).WaitAsync(_store._client.Timeout).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // No answer in time: the connection is dropped (every pending request answers EIO) and the
                    // next request makes a new one.
                    session.Fail($"no answer within {_store._client.Timeout.TotalSeconds:0.#} s");
                    throw new SftpException(Errno.EIO, "read timed out");
                }
                if (reply.Type == Sftp.Data && filled == 0 && DataLength(reply.Payload) == length)
                {
                    return reply.Payload.AsMemory(4, length); // the whole chunk in one reply: kept as it arrived
                }
                if (reply.Type == Sftp.Data)
                {
                    data ??= new byte[length];
                    int n = CopyData(reply.Payload, data.AsSpan(filled));
                    if (n == 0)
                    {
                        break;
                    }
                    filled += n;
                    continue;
                }
                var status = StatusErrno(reply);
                if (status == Errno.OK)
                {
                    break; // EOF: the file is shorter than its size said
                }
                throw new SftpException(status, "read failed");
            }
            return data is null ? ReadOnlyMemory<byte>.Empty : data.AsMemory(0, filled);
        }

        private static long DataLength(byte[] payload) =>
            payload.Length >= 4 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(payload) : -1;

        private static int CopyData(byte[] payload, Span<byte> destination)
        {
            var reader = new SftpReader(payload);
            var bytes = reader.String();
            int n = Math.Min(bytes.Length, destination.Length);
            bytes[..n].CopyTo(destination);
            return n;
        }

        public void Dispose()
        {
            lock (_lock)
            {
                if (_session is not null && _handle is not null)
                {
                    _store.Close(_session, _handle);
                }
                _session = null;
                _handle = null;
            }
        }
    }
}
