using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ReverseCrypt.TestSupport;

/// <summary>An ILogger that keeps every entry, for asserting on log lines ("one log line naming it").</summary>
public sealed class CapturingLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, EventId Id, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        Entries.Enqueue((logLevel, eventId, formatter(state, exception)));
    }

    /// <summary>The entries of <paramref name="level"/> or above, in order.</summary>
    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> AtLeast(LogLevel level) =>
        Entries.Where(e => e.Level >= level).ToList();

    /// <summary>The messages of <paramref name="level"/> or above, in order.</summary>
    public List<string> MessagesAtLeast(LogLevel level) => AtLeast(level).Select(e => e.Message).ToList();
}
