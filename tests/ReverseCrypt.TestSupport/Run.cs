using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace ReverseCrypt.TestSupport;

/// <summary>Result of a finished child process.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs external programs (gocryptfs, rsync, bash, the launcher) with a timeout; a hung child is killed with its tree
/// and reported. Standard input is always redirected (and closed after <c>stdin</c>), so a child never reads the test
/// host's.
/// </summary>
public static class Run
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Runs FILE ARGS. Standard output is decoded as <paramref name="stdoutEncoding"/> (UTF-8 unless given;
    /// Latin-1 keeps every byte as one char).</summary>
    public static ProcessResult Program(string file, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null,
        IDictionary<string, string>? env = null, string? workingDirectory = null, Encoding? stdoutEncoding = null)
    {
        using var p = Process.Start(StartInfo(file, args, env, workingDirectory, stdoutEncoding))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
            {
                p.StandardInput.Write(stdin);
            }
            p.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program ended (or closed its input) without reading it: EPIPE here. Not the harness's failure; the
            // program's exit code and output say what happened (seen in CI: a walkthrough command that reads nothing
            // finished before its typed input was written). The pipe is closed without flushing the writer again.
            p.StandardInput.BaseStream.Dispose();
        }
        if (!p.WaitForExit((int)(timeout ?? DefaultTimeout).TotalMilliseconds))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time\n{stdout.Result}\n{stderr.Result}");
        }
        p.WaitForExit();
        return new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs FILE ARGS, asserting exit 0.</summary>
    public static ProcessResult ProgramOk(string file, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null,
        string? workingDirectory = null)
    {
        var r = Program(file, args, stdin, timeout, workingDirectory: workingDirectory);
        Assert.That(r.ExitCode, Is.Zero, () => $"{file} {string.Join(' ', args)} failed: {r}");
        return r;
    }

    /// <summary>bash -c COMMANDLINE.</summary>
    public static ProcessResult Shell(string commandLine, TimeSpan? timeout = null) =>
        Program("/bin/bash", ["-c", commandLine], timeout: timeout);

    /// <summary>bash -c COMMANDLINE, asserting exit 0; returns standard output.</summary>
    public static string Ok(string commandLine, TimeSpan? timeout = null)
    {
        var r = Shell(commandLine, timeout);
        Assert.That(r.ExitCode, Is.Zero, () => $"`{commandLine}` failed: {r}");
        return r.Stdout;
    }

    /// <summary>Single-quotes a string for bash.</summary>
    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Runs `./reversecrypt ARGS` from the repository root (2-minute limit).</summary>
    public static ProcessResult Cli(params string[] args) => CliWithInput(null, args);

    /// <summary>Starts the CLI (the repository's launcher) without waiting: stdout and stderr redirected for the caller
    /// to read, stdin closed, run from the repository root.</summary>
    public static Process StartCli(IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var process = Process.Start(StartInfo(Repo.Launcher, args, env, Repo.Root, stdoutEncoding: null))!;
        process.StandardInput.Close();
        return process;
    }

    /// <summary>FILE ARGS with every standard stream redirected (output decoded as <paramref name="stdoutEncoding"/>,
    /// UTF-8 unless given).</summary>
    private static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, IDictionary<string, string>? env,
        string? workingDirectory, Encoding? stdoutEncoding)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = stdoutEncoding ?? Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        return psi;
    }

    /// <summary>Runs `./reversecrypt ARGS` with text on standard input.</summary>
    public static ProcessResult CliWithInput(string? stdin, params string[] args) =>
        Program(Repo.Launcher, args, stdin, TimeSpan.FromMinutes(2), workingDirectory: Repo.Root);
}

/// <summary>Locates the repository and its `./reversecrypt` launcher, which every document uses.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Launcher => Path.Combine(Root, "reversecrypt");

    private static string FindRoot()
    {
        var recorded = typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
        if (recorded is not null && File.Exists(Path.Combine(recorded, "ReverseCrypt.sln")))
        {
            return recorded.TrimEnd('/');
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ReverseCrypt.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("ReverseCrypt.sln not found above " + AppContext.BaseDirectory);
    }
}
