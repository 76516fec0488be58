using Microsoft.Extensions.Logging;

namespace ReverseCrypt.Fuse.TestServer;

/// <summary>--log: the library's log lines on stderr, one per line ("Information: Received SIGTERM, ..."), written
/// as they happen so that a test can wait for the event a line reports instead of sleeping.</summary>
internal sealed class StderrLogger : ILogger
{
    private static readonly Lock s_lock = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }
        lock (s_lock)
        {
            Console.Error.WriteLine($"{logLevel}: {formatter(state, exception)}");
            Console.Error.Flush();
        }
    }
}
