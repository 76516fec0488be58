using Microsoft.Extensions.Logging;
using ReverseCrypt.Fuse.Protocol;
using ReverseCrypt.Interop;

namespace ReverseCrypt.Fuse.Uring;

/// <summary>
/// The io_uring workers of one session. Started before the mount (so that INIT can be answered knowing whether rings
/// could be created), told to register once INIT is done, or to stop when INIT did not negotiate FUSE_OVER_IO_URING.
/// The kernel has one queue per possible CPU and sends nothing through io_uring until every queue has an entry, so
/// every queue gets two entries, each served by a thread of its own: one pinned to the queue's CPU (or any CPU of
/// ours when that one is not), and, for parallel READs issued on one CPU, one pinned to the next CPU.
/// </summary>
/// <remarks>FORGET, INTERRUPT and INIT keep coming through /dev/fuse: the session's reader threads stay.</remarks>
internal sealed class FuseUringPool
{
    /// <summary>The kernel's switch (module parameter fuse.enable_uring, 6.14+).</summary>
    internal const string EnableParameter = "/sys/module/fuse/parameters/enable_uring";

    private readonly ILogger _logger;
    private readonly FuseUringWorker[] _workers;
    private readonly CountdownEvent _setUp;
    private readonly ManualResetEventSlim _decided = new(false);
    private readonly Action _onWorkerExit;
    private readonly int _queues;
    private volatile bool _go;
    private volatile string? _setUpProblem;
    private int _registerFailureLogged;

    private FuseUringPool(FuseSession session, ILogger logger, int payloadSize, int[] cpus, int queues, Action onWorkerExit)
    {
        _logger = logger;
        _queues = queues;
        _onWorkerExit = onWorkerExit;
        // One thread per ring entry: a thread blocked in a slow request (a remote read waiting for its server) then
        // holds only the entry whose request it serves. A thread with entries of several queues left its other
        // entries registered, and the kernel handed them requests (a FLUSH from an unrelated close) that waited for it.
        var workers = new List<FuseUringWorker>();
        for (int q = 0; q < queues; q++)
        {
            int primary = Array.IndexOf(cpus, q);
            if (primary < 0)
            {
                primary = q % cpus.Length;
            }
            workers.Add(new FuseUringWorker(session, this, logger, cpus[primary], [(ushort)q], payloadSize,
                FuseSession.OpcodeSlots));
            // The second entry of the queue, on the next CPU: parallel READs issued on one CPU.
            workers.Add(new FuseUringWorker(session, this, logger, cpus[(primary + 1) % cpus.Length], [(ushort)q],
                payloadSize, FuseSession.OpcodeSlots));
        }
        _workers = [.. workers];
        int count = _workers.Length;
        _setUp = new CountdownEvent(count);
    }

    /// <summary>Threads started (each counts as one running session thread until it exits).</summary>
    public int ThreadCount => _workers.Length;

    /// <summary>The workers, as the channels they are (for the per-opcode request counts).</summary>
    internal IEnumerable<IFuseChannel> Channels => _workers;

    /// <summary>Requests the kernel handed over through io_uring (each worker counts its own: no shared counter on
    /// the request path).</summary>
    public long Requests => _workers.Sum(w => w.Served);

    /// <summary>
    /// Creates the workers (not started) when the kernel allows FUSE over io_uring (fuse.enable_uring = Y), else
    /// returns null with the reason. <paramref name="onWorkerExit"/> runs once per worker thread when it ends.
    /// </summary>
    public static FuseUringPool? TryCreate(FuseSession session, ILogger logger, int payloadSize, Action onWorkerExit,
        out string? reason)
    {
        if (!KernelAllows(out reason))
        {
            return null;
        }
        int queues = PossibleCpuCount();
        int[] cpus = Libc.AllowedCpus() ?? [.. Enumerable.Range(0, Environment.ProcessorCount)];
        if (queues <= 0 || cpus.Length == 0)
        {
            reason = "could not read the CPU layout";
            return null;
        }
        if (queues > ushort.MaxValue)
        {
            reason = "too many CPUs";
            return null;
        }
        if (cpus.Length > 64)
        {
            cpus = cpus[..64];
        }
        reason = null;
        return new FuseUringPool(session, logger, payloadSize, cpus, queues, onWorkerExit);
    }

    /// <summary>Starts one thread per worker; each creates its ring, then waits for <see cref="Decide"/>.</summary>
    public void StartThreads()
    {
        foreach (FuseUringWorker worker in _workers)
        {
            new Thread(worker.Run) { IsBackground = true, Name = $"fuse-uring-{worker.Cpu}" }.Start();
        }
    }

    /// <summary>True when the module parameter says Y (absent on kernels without FUSE over io_uring).</summary>
    public static bool KernelAllows(out string? reason)
    {
        try
        {
            string value = File.ReadAllText(EnableParameter).Trim();
            if (value is "Y" or "1")
            {
                reason = null;
                return true;
            }
            reason = $"the kernel has it switched off ({EnableParameter} is {value})";
            return false;
        }
        catch (IOException)
        {
            reason = "this kernel has no FUSE over io_uring";
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            reason = $"{EnableParameter} is not readable";
            return false;
        }
    }

    /// <summary>Waits until every worker has created its ring; false (and the reason is logged) when one could not.</summary>
    public bool WaitUntilSetUp(TimeSpan timeout)
    {
        if (!_setUp.Wait(timeout))
        {
            _logger.UringUnavailable("the io_uring workers did not start in time");
            return false;
        }
        if (_setUpProblem is string problem)
        {
            _logger.UringUnavailable(problem);
            return false;
        }
        return true;
    }

    /// <summary>INIT is answered: register (when it negotiated io_uring) or stop.</summary>
    public void Decide(bool go)
    {
        _go = go;
        _decided.Set();
        if (go)
        {
            _logger.UringReady(_workers.Length, _queues);
        }
    }

    internal bool WaitForGo()
    {
        _decided.Wait();
        return _go;
    }

    internal void ReportSetUp(FuseUringWorker worker, string? problem)
    {
        if (problem is not null)
        {
            _setUpProblem ??= $"CPU {worker.Cpu}: {problem}";
        }
        _setUp.Signal();
    }

    internal void ReportRegisterFailed(string problem)
    {
        if (Interlocked.Exchange(ref _registerFailureLogged, 1) == 0)
        {
            // The kernel turns io_uring off for this connection when a registration fails; requests go on through
            // /dev/fuse.
            _logger.UringUnavailable(problem);
        }
    }

    internal void WorkerExited() => _onWorkerExit();

    /// <summary>num_possible_cpus(): the kernel's number of io_uring queues.</summary>
    private static int PossibleCpuCount()
    {
        try
        {
            int count = 0;
            foreach (string part in File.ReadAllText("/sys/devices/system/cpu/possible").Trim().Split(','))
            {
                string[] range = part.Split('-');
                int first = int.Parse(range[0]);
                int last = range.Length > 1 ? int.Parse(range[1]) : first;
                count += last - first + 1;
            }
            return count;
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return Environment.ProcessorCount;
        }
    }
}
