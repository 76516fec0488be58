using System.Runtime.CompilerServices;
using ReverseCrypt.Fuse.Abi;
using ReverseCrypt.Fuse.Protocol;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse;

/// <summary>FUSE_INIT: version check and capability negotiation (the intersection of the kernel's flags and ours).</summary>
public sealed partial class FuseSession
{
    private const Errno EPROTO = (Errno)71;

    /// <summary>The capabilities this library asks for; the kernel's offer is intersected with them.</summary>
    internal FuseInitFlags WantedFlags
    {
        get
        {
            FuseInitFlags wanted = FuseInitFlags.AsyncRead | FuseInitFlags.MaxPages | FuseInitFlags.ParallelDirops
                | FuseInitFlags.AsyncDio | FuseInitFlags.AutoInvalData | FuseInitFlags.CacheSymlinks
                | FuseInitFlags.BigWrites | FuseInitFlags.InitExt;
            if (_options.Readdirplus != FuseReaddirplusMode.Off)
            {
                wanted |= FuseInitFlags.DoReaddirplus;
            }
            if (_options.Readdirplus == FuseReaddirplusMode.Auto)
            {
                wanted |= FuseInitFlags.ReaddirplusAuto;
            }
            return wanted;
        }
    }

    private int HandleInit(ref RequestReader reader, ReplyBuffer reply, out Errno error)
    {
        if (_connection is not null)
        {
            error = Errno.EIO;
            return 0;
        }
        reader.TryReadCompat(8, out FuseInitIn init); // the table checked the 8 bytes
        ref FuseInitOut initOut = ref ReplyAs<FuseInitOut>(reply);
        if (init.Major > FuseAbi.KernelVersion)
        {
            // A newer major: answer with ours, the kernel retries INIT with it.
            initOut.Major = FuseAbi.KernelVersion;
            initOut.Minor = FuseAbi.KernelMinorVersion;
            error = Errno.OK;
            return Unsafe.SizeOf<FuseInitOut>();
        }
        if (init.Major < FuseAbi.KernelVersion || init.Minor < FuseAbi.MinimumKernelMinorVersion)
        {
            string reason = $"kernel FUSE protocol {init.Major}.{init.Minor} is older than 7.{FuseAbi.MinimumKernelMinorVersion}";
            _logger.InitRefused(reason);
            _initialized.TrySetException(new IOException(reason));
            error = EPROTO;
            return 0;
        }
        ulong kernelFlags = init.Flags;
        if ((kernelFlags & (ulong)FuseInitFlags.InitExt) != 0)
        {
            kernelFlags |= (ulong)init.Flags2 << 32;
        }
        ulong wanted = (ulong)WantedFlags;
        if (_uring is not null && (kernelFlags & (ulong)FuseInitFlags.OverIoUring) != 0
            && _uring.WaitUntilSetUp(TimeSpan.FromSeconds(5)))
        {
            wanted |= (ulong)FuseInitFlags.OverIoUring;
        }
        ulong flags = kernelFlags & wanted;
        uint maxReadahead = _options.MaxReadahead is int limit ? Math.Min(init.MaxReadahead, (uint)limit) : init.MaxReadahead;
        ushort maxPages = (flags & (ulong)FuseInitFlags.MaxPages) != 0 ? (ushort)_options.MaxPages : (ushort)32;
        var connection = new FuseConnectionInfo
        {
            KernelMajor = init.Major,
            KernelMinor = init.Minor,
            ProtocolMinor = Math.Min(init.Minor, FuseAbi.KernelMinorVersion),
            KernelFlags = kernelFlags,
            Flags = flags,
            MaxReadahead = maxReadahead,
            MaxWrite = (uint)_options.MaxWrite,
            MaxPages = maxPages,
            ReaderThreads = _options.ReaderThreads,
            ReadOnly = _options.ReadOnly,
        };
        Errno result;
        try
        {
            result = _fileSystem.Init(connection);
        }
        catch (Exception e)
        {
            _logger.HandlerThrew(e, "INIT", new NodeId(FuseConstants.RootNodeId));
            result = Errno.EIO;
        }
        if (result != Errno.OK)
        {
            string reason = $"the filesystem's Init returned {Libc.Describe(result)}";
            _logger.InitRefused(reason);
            _initialized.TrySetException(new IOException(reason));
            error = result;
            return 0;
        }
        initOut.Major = FuseAbi.KernelVersion;
        initOut.Minor = FuseAbi.KernelMinorVersion;
        initOut.MaxReadahead = maxReadahead;
        initOut.Flags = (uint)flags;
        initOut.Flags2 = (uint)(flags >> 32);
        initOut.MaxBackground = (ushort)_options.MaxBackground;
        initOut.CongestionThreshold = (ushort)Math.Max(1, _options.MaxBackground * 3 / 4);
        initOut.MaxWrite = (uint)_options.MaxWrite;
        initOut.TimeGran = 1;
        initOut.MaxPages = maxPages;
        // Set before the reply goes out: the kernel sends other requests as soon as it has processed the reply.
        _connection = connection;
        _pendingConnection = connection;
        _logger.Initialized(init.Major, init.Minor, connection.ProtocolMinor, flags, maxReadahead, maxPages);
        error = Errno.OK;
        return Unsafe.SizeOf<FuseInitOut>();
    }

    /// <summary>After the INIT reply went out: the connection is live (the kernel processed the reply inside the
    /// write), so waiters on <see cref="Initialized"/> may touch the mountpoint.</summary>
    private void CompleteInit(Errno error)
    {
        FuseConnectionInfo? connection = Interlocked.Exchange(ref _pendingConnection, null);
        if (connection is null)
        {
            return;
        }
        // The kernel processed the INIT reply inside the write: rings may register now.
        _uring?.Decide(go: error == Errno.OK && connection.IoUringEnabled);
        if (error != Errno.OK)
        {
            _initialized.TrySetException(new IOException($"INIT failed: {Libc.Describe(error)}"));
            return;
        }
        _initialized.TrySetResult(connection);
    }
}
