namespace ReverseCrypt.Fuse;

/// <summary>The outcome of <see cref="FuseBackground.Start"/>.</summary>
/// <param name="Ready">The child reported readiness (READY=1) and keeps running detached.</param>
/// <param name="ExitCode">0 when ready; otherwise the child's exit code, or -1 when it timed out and was killed.</param>
/// <param name="ErrorMessage">Empty when ready; otherwise what the child wrote to stderr (or stdout), or why it was
/// stopped.</param>
/// <param name="ProcessId">The child's process id.</param>
public sealed record FuseBackgroundResult(bool Ready, int ExitCode, string ErrorMessage, int ProcessId);
