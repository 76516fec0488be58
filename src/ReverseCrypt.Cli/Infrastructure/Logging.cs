using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace ReverseCrypt.Cli.Infrastructure;

/// <summary>Console logging to standard error (standard output stays for command results).</summary>
public static class Logging
{
    public static ILoggerFactory Create(bool debug, bool quiet = false) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(debug ? LogLevel.Debug : quiet ? LogLevel.Warning : LogLevel.Information);
        builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
            o.IncludeScopes = false;
        });
    });
}
