using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReverseCrypt.Fuse.Abi;
using ReverseCrypt.Fuse.Protocol;
using ReverseCrypt.Fuse.Uring;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse;

/// <summary>
/// Serves one FUSE connection: N reader threads, each with its own /dev/fuse channel (pinned request and reply
/// buffers, blocking read()), and, where the kernel offers it, io_uring workers as further channels; every channel
/// runs the same loop (<see cref="Serve"/>), which dispatches each request inline to the
/// <see cref="IFuseFileSystem"/> through one table of operations. Exactly one reply is
/// written per request (none for FORGET, BATCH_FORGET, INTERRUPT and NOTIFY_REPLY). The session ends when the
/// device reports ENODEV (unmounted or aborted) or end of stream; then <see cref="IFuseFileSystem.Destroy"/> runs
/// once and <see cref="Completion"/> completes.
/// </summary>
/// <remarks>Most programs use <see cref="FuseMount"/>, which opens the device, mounts and runs a session. A session
/// can also serve any descriptor that behaves like the device (one message per read and per write), e.g. a
/// SOCK_SEQPACKET socket in tests.</remarks>
public sealed partial class FuseSession : IDisposable
{
    private const int NoReply = -1;

    private readonly SafeFd _device;
    private readonly IFuseFileSystem _fileSystem;
    private readonly FuseMountOptions _options;
    private readonly ILogger _logger;
    private readonly bool _debug;
    private readonly TaskCompletionSource<FuseConnectionInfo> _initialized =
        new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // The device's number, for the reader threads and the io_uring queues (which hand it to the kernel in each
    // submission): valid while _deviceLease holds the handle, from Start until the session finishes.
    private readonly int _fd;
    private Thread[]? _threads;
    private int _running;
    private int _destroyed;
    private int _finished;
    private FdLease _deviceLease;
    private volatile FuseConnectionInfo? _connection;
    private FuseConnectionInfo? _pendingConnection;
    private FuseUringPool? _uring;
    private int _readersRunning;
    private readonly List<IFuseChannel> _deviceChannels = [];

    /// <summary>Creates a session over an open device descriptor (the session takes ownership of it).</summary>
    public FuseSession(SafeFd device, IFuseFileSystem fileSystem, FuseMountOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(fileSystem);
        _options = options ?? new FuseMountOptions();
        _options.Validate();
        _device = device;
        _fd = device.Fd;
        _fileSystem = fileSystem;
        _logger = logger ?? NullLogger.Instance;
        _debug = _options.Debug && _logger.IsEnabled(LogLevel.Debug);
        RequestBufferSize = Math.Max(FuseAbi.MinReadBuffer, 80 + _options.MaxWrite) + 4096;
        ReplyPayloadCapacity = Math.Max(_options.MaxPages * 4096, FuseConstants.MaxXattrSize);
    }

    /// <summary>Completes when the kernel's INIT has been answered successfully; faults when INIT is refused or the
    /// session ends first.</summary>
    public Task<FuseConnectionInfo> Initialized => _initialized.Task;

    /// <summary>Completes when every reader thread has stopped and Destroy has run.</summary>
    public Task Completion => _completion.Task;

    /// <summary>The negotiated parameters, once INIT is done.</summary>
    public FuseConnectionInfo? Connection => _connection;

    internal int RequestBufferSize { get; }

    internal int ReplyPayloadCapacity { get; }

    internal int DeviceFd => _fd;

    /// <summary>Set by <see cref="FuseMount"/>: the descriptor is a real FUSE device, so io_uring may be offered.</summary>
    internal bool IsKernelDevice { get; set; }

    /// <summary>Requests served through io_uring so far (0 when the session uses /dev/fuse only).</summary>
    public long IoUringRequestCount => _uring?.Requests ?? 0;

    /// <summary>Starts the reader threads. Call once, after the descriptor is connected (mounted).</summary>
    public void Start()
    {
        if (_threads is not null)
        {
            throw new InvalidOperationException("The session was already started.");
        }
        _deviceLease = new FdLease(_device);
        _threads = new Thread[_options.ReaderThreads];
        _running = _threads.Length;
        _readersRunning = _threads.Length;
        if (_options.IoUring && IsKernelDevice)
        {
            _uring = FuseUringPool.TryCreate(this, _logger, Math.Max(ReplyPayloadCapacity, RequestBufferSize),
                ThreadExited, out string? reason);
            if (_uring is null)
            {
                _logger.UringNotStarted(reason ?? "unknown");
            }
            else
            {
                // Counted as running before any thread starts, so the session cannot finish while workers still run.
                Interlocked.Add(ref _running, _uring.ThreadCount);
                _uring.StartThreads();
            }
        }
        for (int i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(ReaderLoop)
            {
                IsBackground = true,
                Name = $"fuse-reader-{i}",
            };
        }
        foreach (Thread thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the reader threads to stop (after an unmount).</summary>
    public bool WaitForCompletion(TimeSpan timeout) => _threads is null || Completion.Wait(timeout);

    /// <summary>Releases the device descriptor. Reader threads still blocked in read() keep the descriptor open
    /// until the connection ends (unmount).</summary>
    public void Dispose()
    {
        if (_threads is null)
        {
            FinishOnce();
        }
        _device.Dispose();
    }

    private void ReaderLoop()
    {
        DeviceChannel channel = OpenDeviceChannel();
        try
        {
            Serve(channel);
        }
        finally
        {
            channel.Dispose();
            if (Interlocked.Decrement(ref _readersRunning) == 0)
            {
                // The device is gone (or INIT failed): io_uring workers that never started serving must stop too.
                _uring?.Decide(go: false);
            }
            ThreadExited();
        }
    }

    /// <summary>A /dev/fuse channel of its own for one reader thread (its counts are kept for
    /// <see cref="RequestsByOpcode"/>).</summary>
    internal DeviceChannel OpenDeviceChannel()
    {
        var channel = new DeviceChannel(_fd, RequestBufferSize, ReplyPayloadCapacity, OpcodeSlots, _logger);
        lock (_deviceChannels)
        {
            _deviceChannels.Add(channel);
        }
        return channel;
    }

    /// <summary>The session's loop over one channel (a reader thread's /dev/fuse, or an io_uring worker): every
    /// request is dispatched inline until the channel reports the end of the connection.</summary>
    internal void Serve(IFuseChannel channel)
    {
        while (channel.TryReceive(out ReadOnlySpan<byte> request))
        {
            Dispatch(request, channel);
        }
    }

    /// <summary>Requests received so far per opcode, over every channel (index = opcode; exact once the session
    /// has ended, a close estimate while it runs).</summary>
    internal long[] RequestsByOpcode()
    {
        var total = new long[OpcodeSlots];
        List<IFuseChannel> channels;
        lock (_deviceChannels)
        {
            channels = [.. _deviceChannels];
        }
        if (_uring is not null)
        {
            channels.AddRange(_uring.Channels);
        }
        foreach (IFuseChannel channel in channels)
        {
            for (int i = 0; i < total.Length; i++)
            {
                total[i] += Volatile.Read(ref channel.RequestsByOpcode[i]);
            }
        }
        return total;
    }

    private void ThreadExited()
    {
        if (Interlocked.Decrement(ref _running) == 0)
        {
            FinishOnce();
        }
    }

    private void FinishOnce()
    {
        _initialized.TrySetException(new IOException("The FUSE connection ended before INIT was answered."));
        _uring?.Decide(go: false);
        if (Interlocked.Exchange(ref _finished, 1) == 0)
        {
            if (_connection is not null)
            {
                DestroyFileSystemOnce();
            }
            _deviceLease.Dispose();
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                _logger.SessionEnded(DescribeRequestCounts(RequestsByOpcode()));
            }
        }
        _completion.TrySetResult();
    }

    private void DestroyFileSystemOnce()
    {
        if (Interlocked.Exchange(ref _destroyed, 1) == 0)
        {
            try
            {
                _fileSystem.Destroy();
            }
            catch (Exception e)
            {
                _logger.DestroyThrew(e);
            }
        }
    }
}
