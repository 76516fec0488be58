using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using ReverseCrypt.FileSystems.Forward;
using ReverseCrypt.Format;
using ReverseCrypt.Format.Config;
using ReverseCrypt.Fuse;

namespace ReverseCrypt.FileSystems.Tests.Forward;

/// <summary>Shell, scratch directories and mounts for the forward-view tests (self-contained: /tmp/rc-fwd-*).</summary>
public static class Fwd
{
    public const string Prefix = "rc-fwd-";
    public const string Password = "forward test password";

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    public static Result Bash(string script, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo("/bin/bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit((int)(timeout ?? TimeSpan.FromMinutes(3)).TotalMilliseconds))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"`{script}` did not finish in time");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a script and asserts exit 0; returns stdout.</summary>
    public static string Ok(string script, TimeSpan? timeout = null)
    {
        var r = Bash(script, timeout);
        Assert.That(r.ExitCode, Is.EqualTo(0), $"`{script}` failed: {r}");
        return r.Stdout;
    }

    public static string Q(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static void RequireMountTools()
    {
        foreach (var tool in new[] { "gocryptfs", "rsync", "fusermount3" })
        {
            if (Bash($"command -v {tool}").ExitCode != 0)
            {
                if (Environment.GetEnvironmentVariable("CI") == "true")
                {
                    Assert.Fail($"{tool} is not installed");
                }
                Assert.Ignore($"{tool} is not installed");
            }
        }
        if (Bash("test -c /dev/fuse").ExitCode != 0)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail("/dev/fuse is missing");
            }
            Assert.Ignore("/dev/fuse is missing");
        }
    }

    /// <summary>Mount points of fuse filesystems at or below dir.</summary>
    public static List<string> FuseMountsBelow(string dir) =>
        File.ReadAllLines("/proc/self/mountinfo")
            .Select(l => l.Split(' '))
            .Where(f => Array.IndexOf(f, "-") is int sep && sep > 0 && sep + 1 < f.Length && f[sep + 1].StartsWith("fuse", StringComparison.Ordinal))
            .Select(f => System.Text.RegularExpressions.Regex.Replace(f[4], @"\\([0-7]{3})",
                m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString()))
            .Where(mp => mp == dir || mp.StartsWith(dir.TrimEnd('/') + "/", StringComparison.Ordinal))
            .ToList();

    public static void UnmountAllBelow(string dir)
    {
        foreach (var mp in FuseMountsBelow(dir).OrderByDescending(m => m.Length))
        {
            if (Bash($"fusermount3 -uz {Q(mp)}").ExitCode != 0)
            {
                Bash($"umount -l {Q(mp)}");
            }
        }
    }

    /// <summary>
    /// A plaintext tree made with shell tools, its `gocryptfs -reverse` view copied with rsync -aHAX, and the
    /// password file. Returns (plain, copy, passfile).
    /// </summary>
    public static (string Plain, string Copy, string PassFile) GocryptfsBackup(ScratchDir dir, string buildScript)
    {
        RequireMountTools();
        var plain = dir.Sub("plain");
        Ok($"cd {Q(plain)} && {buildScript}");
        var passFile = Path.Combine(dir.Path, "passfile");
        File.WriteAllText(passFile, Password + "\n");
        Ok($"gocryptfs -init -reverse -q -scryptn 10 -passfile {Q(passFile)} {Q(plain)}");
        var view = dir.Sub("view");
        var copy = dir.Sub("copy");
        Ok($"gocryptfs -reverse -q -passfile {Q(passFile)} {Q(plain)} {Q(view)}");
        try
        {
            // A second rsync pass fixes directory mtimes that rsync -H can leave behind (a hard link made after the
            // directory's time was set).
            var rsync = $"rsync -aHAX --modify-window=-1 {Q(view + "/")} {Q(copy + "/")}";
            Ok($"touch -d @0 {Q(copy)} && {rsync} && {rsync}");
        }
        finally
        {
            Bash($"fusermount3 -u {Q(view)}");
        }
        return (plain, copy, passFile);
    }

    public static CryptoCore OpenCore(string copy)
    {
        var conf = ConfFile.Load(Path.Combine(copy, "gocryptfs.conf"));
        using var key = conf.Unlock(Encoding.UTF8.GetBytes(Password));
        return CryptoCore.Create(key, conf.ToFormatOptions());
    }
}

/// <summary>A scratch directory /tmp/rc-fwd-*, removed (after unmounting anything below it) on dispose.</summary>
public sealed class ScratchDir : IDisposable
{
    public ScratchDir() => Path = Directory.CreateTempSubdirectory(Fwd.Prefix).FullName;

    public string Path { get; }

    public string Sub(string name)
    {
        var p = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(p);
        return p;
    }

    public void Dispose()
    {
        Fwd.UnmountAllBelow(Path);
        Fwd.Bash($"chmod -R u+rwx {Fwd.Q(Path)} 2>/dev/null; rm -rf {Fwd.Q(Path)}");
    }
}

/// <summary>Our forward view mounted in this process; disposing unmounts it (lazily, fusermount3 as a last resort).</summary>
public sealed class ForwardMount : IDisposable
{
    private readonly FuseMount _mount;

    public ForwardMount(string cipherDir, CryptoCore core, string mountPoint, ILogger? logger = null)
    {
        MountPoint = mountPoint;
        var options = new ForwardOptions { CipherDir = cipherDir };
        FileSystem = new ForwardFileSystem(options, core, logger);
        try
        {
            _mount = FuseMount.Mount(FileSystem, mountPoint, options.CreateMountOptions());
        }
        catch
        {
            FileSystem.Dispose();
            throw;
        }
    }

    public string MountPoint { get; }

    public ForwardFileSystem FileSystem { get; }

    public void Dispose()
    {
        try
        {
            _mount.Unmount(lazy: true);
        }
        catch (FuseMountException)
        {
        }
        _mount.Dispose();
        Fwd.UnmountAllBelow(MountPoint);
        FileSystem.Dispose();
    }
}

/// <summary>Keeps every log message.</summary>
public sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Messages { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter) => Messages.Enqueue((logLevel, formatter(state, exception)));

    public List<string> AtLeast(LogLevel level) => Messages.Where(m => m.Level >= level).Select(m => m.Message).ToList();
}

/// <summary>Removes mounts left under /tmp/rc-fwd-* by a killed run; fails when a test leaves one.</summary>
[SetUpFixture]
public sealed class ForwardMountCleanup
{
    [OneTimeSetUp]
    public void RemoveLeftovers()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), Fwd.Prefix + "*"))
        {
            Fwd.UnmountAllBelow(dir);
        }
    }

    [OneTimeTearDown]
    public void NoMountsLeft()
    {
        var left = Directory.EnumerateDirectories(Path.GetTempPath(), Fwd.Prefix + "*").SelectMany(Fwd.FuseMountsBelow).ToList();
        foreach (var dir in left)
        {
            Fwd.UnmountAllBelow(dir);
        }
        Assert.That(left, Is.Empty, "forward tests left FUSE mounts behind");
    }
}
