using System.Text;
using System.Text.Json;

namespace ReverseCrypt.Integration.Tests.Backup;

/// <summary>
/// Files appended to, rewritten (by rename) and truncated while `backup --snapshots` runs, locally and over ssh:
/// every committed snapshot fscks clean and restores with no problem, every restored file holds a state the file
/// really had, and the files that changed while the view served them are listed in the summary. Before the view pinned
/// what an open file shows, 300 of 300 appended files were stored with a cut last block.
/// </summary>
[Category("Mount"), Category("Ssh")]
[NonParallelizable]
public class BackupWhileChangingTests : SshBackupFixture
{
    private const int Appended = 120;
    private const int Renamed = 20;
    private const int Truncated = 20;


    [TestCase(false)]
    [TestCase(true)]
    public void FilesChangingDuringTheRun_AreStoredAsStatesTheyHad_AndListed(bool remote)
    {
        var dest = remote ? _s.Remote : _s.Dest;
        var ssh = remote ? new[] { "--ssh", _ssh.SshCommand } : [];
        var appended = Directory.CreateDirectory(Path.Combine(_s.Plain, "appended")).FullName;
        var renamed = Directory.CreateDirectory(Path.Combine(_s.Plain, "renamed")).FullName;
        var truncated = Directory.CreateDirectory(Path.Combine(_s.Plain, "truncated")).FullName;
        for (var i = 0; i < Appended; i++) File.WriteAllText(Path.Combine(appended, $"a{i:D3}"), Line(i, 0));
        for (var i = 0; i < Renamed; i++) File.WriteAllText(Path.Combine(renamed, $"r{i:D3}"), Generation(i, 0));
        for (var i = 0; i < Truncated; i++) File.WriteAllText(Path.Combine(truncated, $"t{i:D3}"), Generation(i, 0));
        // Some weight, so that the run lasts while the writer works.
        File.WriteAllBytes(Path.Combine(_s.Plain, "weight.bin"), new byte[8 << 20]);
        _s.Init();

        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() => Write(appended, renamed, truncated, stop.Token));
        var listedOnce = false;
        try
        {
            for (var round = 0; round < 3; round++)
            {
                var (run, summary) = _s.Backup(dest, ["--snapshots", .. ssh]);
                Assert.That(run.ExitCode, Is.EqualTo(0).Or.EqualTo(42), run.ToString());
                Assert.That(summary.GetProperty("completed").GetBoolean(), Is.True, run.ToString());
                var listed = summary.GetProperty("changed_during_run").EnumerateArray().Select(e => e.GetString()!).ToList();
                Assert.That(summary.GetProperty("changed_during_run_count").GetInt64(), Is.GreaterThanOrEqualTo(listed.Count));
                Assert.That(listed, Is.All.Match("^(appended|renamed|truncated)/"), "only files the writer changed are listed");
                listedOnce |= listed.Count > 0;

                var snapshot = Path.Combine(_s.Snapshots, summary.GetProperty("snapshot").GetString()!);
                var fsck = _s.Cli("fsck", "--passfile", _s.Passfile, snapshot);
                Assert.That(fsck.ExitCode, Is.EqualTo(0), $"round {round}: {fsck}");
                var target = _s.Sub($"restored-{round}");
                var restore = _s.Cli("restore", "--passfile", _s.Passfile, snapshot, target);
                Assert.That(restore.ExitCode, Is.EqualTo(0), $"round {round}: {restore}");
                AssertStatesTheyHad(target);
            }
        }
        finally
        {
            stop.Cancel();
            writer.Wait();
        }
        Assert.That(listedOnce, Is.True, "files changed under the view in three runs, yet none was listed");
    }

    /// <summary>Appends one line at a time, replaces files by rename, truncates and refills, until stopped.</summary>
    private static void Write(string appended, string renamed, string truncated, CancellationToken stop)
    {
        var lines = new int[Appended];
        var generations = new int[Math.Max(Renamed, Truncated)];
        var random = new Random(1);
        while (!stop.IsCancellationRequested)
        {
            var a = random.Next(Appended);
            lines[a]++;
            using (var file = new FileStream(Path.Combine(appended, $"a{a:D3}"), FileMode.Append, FileAccess.Write))
                file.Write(Encoding.ASCII.GetBytes(Line(a, lines[a])));
            if (random.Next(4) == 0)
            {
                var r = random.Next(Renamed);
                var temp = Path.Combine(renamed, $".r{r:D3}.tmp");
                File.WriteAllText(temp, Generation(r, ++generations[r]));
                File.Move(temp, Path.Combine(renamed, $"r{r:D3}"), overwrite: true);
            }
            if (random.Next(4) == 0)
            {
                var t = random.Next(Truncated);
                using var file = new FileStream(Path.Combine(truncated, $"t{t:D3}"), FileMode.Truncate, FileAccess.Write);
                file.Write(Encoding.ASCII.GetBytes(Generation(t, random.Next(1000))));
            }
            Thread.Sleep(1);
        }
    }

    private static string Line(int file, int n) => $"file {file} line {n} {new string('x', 40 + (n % 50))}\n";

    private static string Generation(int file, int generation) =>
        $"file {file} generation {generation}\n{new string((char)('a' + (generation % 26)), 3000 + generation % 3000)}\n";

    /// <summary>Each restored file is one its writer produced: an appended file a prefix of its line sequence, a
    /// renamed file one whole generation, a truncated file empty or a prefix of one generation (being refilled).</summary>
    private static void AssertStatesTheyHad(string root)
    {
        foreach (var file in Directory.GetFiles(Path.Combine(root, "appended")))
        {
            var text = File.ReadAllText(file);
            var index = int.Parse(Path.GetFileName(file)[1..], System.Globalization.CultureInfo.InvariantCulture);
            var expected = new StringBuilder();
            var n = 0;
            while (expected.Length < text.Length) expected.Append(Line(index, n++));
            // A write that crosses a page boundary grows the file one page at a time: any prefix is a state it had.
            Assert.That(text, Is.EqualTo(expected.ToString(0, text.Length)), $"{file}: not a state the file had");
        }
        foreach (var dir in new[] { "renamed", "truncated" })
        {
            foreach (var file in Directory.GetFiles(Path.Combine(root, dir)).Where(f => !Path.GetFileName(f).StartsWith('.')))
            {
                var text = File.ReadAllText(file);
                if (text.Length == 0 && dir == "truncated") continue;
                var index = int.Parse(Path.GetFileName(file)[1..], System.Globalization.CultureInfo.InvariantCulture);
                var header = text.Split('\n')[0];
                Assert.That(header, Does.StartWith($"file {index} generation "), $"{file}: not a state the file had");
                var generation = int.Parse(header[$"file {index} generation ".Length..], System.Globalization.CultureInfo.InvariantCulture);
                var whole = Generation(index, generation);
                // A file replaced by rename is another file: stored whole, or (not served) as its earlier version,
                // even when the new file reuses the old one's inode number (the view compares birth times too).
                if (dir == "renamed") Assert.That(text, Is.EqualTo(whole), $"{file}: a renamed file is whole");
                else Assert.That(whole, Does.StartWith(text), $"{file}: not a state the file had");
            }
        }
    }
}
