using System.Diagnostics;
using System.Reflection;

namespace ReverseCrypt.Integration.Tests;

/// <summary>Locates the repository and runs the `./reversecrypt` launcher, as every document does.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Launcher => Path.Combine(Root, "reversecrypt");

    private static string FindRoot()
    {
        var recorded = typeof(Repo).Assembly.GetCustomAttributes<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
        if (recorded is not null && File.Exists(Path.Combine(recorded, "ReverseCrypt.sln"))) return recorded.TrimEnd('/');
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ReverseCrypt.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("ReverseCrypt.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Result of a finished child process.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs external programs with a timeout; a hung child is killed (with its tree) and reported.</summary>
public static class Run
{
    public static ProcessResult Program(string file, IEnumerable<string> args, string? stdin = null,
        TimeSpan? timeout = null, IDictionary<string, string>? env = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit((int)(timeout ?? TimeSpan.FromMinutes(2)).TotalMilliseconds))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time\n{stdout.Result}\n{stderr.Result}");
        }
        p.WaitForExit();
        return new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs `./reversecrypt ARGS`.</summary>
    public static ProcessResult Cli(params string[] args) => Program(Repo.Launcher, args);

    /// <summary>Runs `./reversecrypt ARGS` with text on standard input.</summary>
    public static ProcessResult CliWithInput(string stdin, params string[] args) => Program(Repo.Launcher, args, stdin);

    /// <summary>Runs a shell command line with bash -c.</summary>
    public static ProcessResult Shell(string commandLine, TimeSpan? timeout = null) =>
        Program("/bin/bash", ["-c", commandLine], timeout: timeout);
}
