using System.Runtime.InteropServices;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>SIGINT/SIGTERM cancel the token instead of killing the process, so a long-running command (restore, fsck,
/// backup) stops its children, unmounts its view and exits with 130, and a mount command that is signalled while it
/// mounts unmounts once mounted instead of dying with its mount left behind.</summary>
public sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration _int;
    private readonly PosixSignalRegistration _term;

    public Interruption()
    {
        _int = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    public CancellationToken Token => _cts.Token;

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        _cts.Cancel();
    }

    public void Dispose()
    {
        _int.Dispose();
        _term.Dispose();
        _cts.Dispose();
    }
}
