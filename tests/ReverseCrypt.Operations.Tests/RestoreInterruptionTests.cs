namespace ReverseCrypt.Operations.Tests;

/// <summary>A restore interrupted in the middle (cancellation while files are being written) leaves no partial file
/// under its name, and a re-run completes the tree without redoing the files that were finished.</summary>
[Category("Mount")]
public sealed class RestoreInterruptionTests
{
    [Test]
    public void Interrupted_ThenReRun_LeavesNoPartialFileAndCompletesTheTree()
    {
        Require.Root();
        using var dir = new TestDirectory();
        var plain = dir.Sub("plain");
        Run.Ok($"cd {Run.Quote(plain)} && mkdir small && for i in $(seq 300); do head -c 20000 /dev/urandom > small/$i; done && " +
               $"head -c {96 << 20} /dev/urandom > zbig && truncate -s 200M zsparse && echo end >> zsparse");
        var copy = dir.Child("copy");
        Gocryptfs.BackupWithRsync(plain, copy, dir.Child("view"));
        var expected = TreeSnapshot.Take(plain, ".gocryptfs.reverse.conf");
        using var core = Gocryptfs.OpenCore(Path.Combine(copy, "gocryptfs.conf"));
        var target = dir.Child("restored");
        using var cancel = new CancellationTokenSource();
        var progress = new CancelWhen(p => p.FilesDone >= 50, cancel);

        var interrupted = Restorer.Run(new RestoreOptions
        {
            CipherDir = copy,
            Target = target,
            ProgressInterval = TimeSpan.FromMilliseconds(1),
        }, core, progress, cancel.Token);

        Assert.That(interrupted.Cancelled, Is.True);
        var partial = TreeSnapshot.Take(target);
        var files = partial.Nodes.Where(n => n.Value.Type == "file").ToList();
        Assert.That(files, Has.Count.LessThan(expected.Nodes.Values.Count(n => n.Type == "file")), "it was interrupted");
        foreach (var (path, node) in files)
        {
            Assert.That(node.Content, Is.EqualTo(expected.Nodes[path].Content), $"{path} is complete or absent");
        }

        var rerun = Restorer.Run(new RestoreOptions { CipherDir = copy, Target = target }, core);

        Assert.That(rerun.Failures, Is.Empty, string.Join("\n", rerun.Failures));
        Assert.That(rerun.Counts.AlreadyComplete, Is.EqualTo(files.Count));
        Assert.That(rerun.Counts.Files, Is.EqualTo(expected.Nodes.Values.Count(n => n.Type == "file") - files.Count));
        expected.AssertSame(TreeSnapshot.Take(target), Compare.All, "tree after the re-run");
    }

    private sealed class CancelWhen(Func<RestoreProgress, bool> condition, CancellationTokenSource cancel) : IProgress<RestoreProgress>
    {
        public void Report(RestoreProgress value)
        {
            if (condition(value))
            {
                cancel.Cancel();
            }
        }
    }
}
