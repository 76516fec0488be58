using ReverseCrypt.Interop;
namespace ReverseCrypt.Operations.Restore;

/// <summary>
/// A cipher object with several links (same st_dev and st_ino, nlink &gt; 1): the first link met is restored, the
/// others become hard links to it. Links met while the first one is still being written wait here and are made
/// by whoever finishes it.
/// </summary>
internal sealed class LinkRecord(byte[] plainPath, byte[] cipherPath)
{
    private readonly Lock _lock = new();
    private List<Waiting>? _waiting;
    private int _state; // 0 pending, 1 done, 2 failed

    private sealed record Waiting(TargetDir Dir, byte[] Name, byte[] PlainPath, byte[] CipherPath);

    /// <summary>The plaintext path of the first link (the one restored).</summary>
    public byte[] PlainPath { get; } = plainPath;

    public byte[] CipherPath { get; } = cipherPath;

    public bool IsDone => Volatile.Read(ref _state) == 1;

    /// <summary>Queues another link while the first one is pending (keeping its directory open). False when the
    /// first one is already finished (then <see cref="IsDone"/> tells how).</summary>
    public bool TryQueue(TargetDir dir, byte[] name, byte[] plainPath, byte[] cipherPath)
    {
        lock (_lock)
        {
            if (_state != 0)
            {
                return false;
            }
            dir.AddRef();
            (_waiting ??= []).Add(new Waiting(dir, name, plainPath, cipherPath));
            return true;
        }
    }

    /// <summary>The first link is finished (restored when <paramref name="ok"/>) as <paramref name="primaryName"/> in
    /// <paramref name="primaryDirFd"/>: makes or fails the waiting links.</summary>
    public void Finish(bool ok, Restorer restorer, SafeFd? primaryDirFd, byte[] primaryName)
    {
        List<Waiting>? waiting;
        lock (_lock)
        {
            _state = ok ? 1 : 2;
            waiting = _waiting;
            _waiting = null;
        }
        if (waiting is null)
        {
            return;
        }
        foreach (var link in waiting)
        {
            try
            {
                if (ok)
                {
                    restorer.MakeLink(primaryDirFd, primaryName, link.Dir, link.Name, link.PlainPath, link.CipherPath);
                }
                else
                {
                    restorer.FailLink(this, link.PlainPath, link.CipherPath);
                }
            }
            finally
            {
                link.Dir.Release();
            }
        }
    }
}
