using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ReverseCrypt.Cli.Infrastructure;
using ReverseCrypt.Format.Content;

namespace ReverseCrypt.Cli.Commands;

/// <summary>`reversecrypt speed`: single-thread throughput of each primitive (like gocryptfs -speed).</summary>
public static partial class SpeedCommand
{
    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "Measuring time per primitive.", DefaultValueFactory = _ => 1.0 };
        var compare = new Option<bool>("--compare-gocryptfs") { Description = "Also run 'gocryptfs -speed' and print the AES-SIV-512 ratio." };
        var command = new Command("speed", "Measure the crypto primitives on one thread, 4 KiB blocks.") { seconds, compare };
        command.SetAction(r => CommandRunner.Run(() =>
        {
            var results = SpeedTest.Run(TimeSpan.FromSeconds(r.GetValue(seconds)));
            foreach (var result in results)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Name,-24} {result.Value,10:F2} {result.Unit}"));
            if (r.GetValue(compare))
            {
                var theirs = GocryptfsSivSpeed();
                var ours = results.First(x => x.Name.StartsWith("AES-SIV-512 encrypt", StringComparison.Ordinal)).Value;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"gocryptfs AES-SIV-512",-24} {theirs,10:F2} MB/s"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"ratio (ours/gocryptfs)",-24} {ours / theirs,10:F2} x"));
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static double GocryptfsSivSpeed()
    {
        var psi = new ProcessStartInfo("gocryptfs") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-speed");
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (Exception e)
        {
            throw new CliException(ExitCodes.ToolMissing, $"cannot run gocryptfs: {e.Message}");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            var match = SivLine().Match(output);
            if (!match.Success) throw new CliException(ExitCodes.ToolMissing, "gocryptfs -speed printed no AES-SIV-512 figure");
            return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }
    }

    [GeneratedRegex(@"AES-SIV-512\S*\s+([0-9.]+)\s+MB/s")]
    private static partial Regex SivLine();
}
