using ReverseCrypt.Storage;

namespace ReverseCrypt.Operations.Restore;

public sealed partial class Restorer
{
    /// <summary>Counts the objects and plaintext bytes to restore, for the ETA of the progress line.</summary>
    private void EstimateTotals()
    {
        long objects = 0, bytes = 0;
        if (_options.Paths.Count == 0)
        {
            using var root = _tree.OpenRoot();
            TreeScanner.Scan(_tree, root.Handle, [], MaxDepth, _cancellation, ref objects, ref bytes);
        }
        else
        {
            var resolver = new CipherPathResolver(_tree);
            foreach (var path in _selected)
            {
                using var resolved = resolver.Resolve(path, out _);
                if (resolved is null)
                {
                    continue;
                }
                if (resolved.Parent is null)
                {
                    using var root = _tree.OpenRoot();
                    TreeScanner.Scan(_tree, root.Handle, [], MaxDepth, _cancellation, ref objects, ref bytes);
                    continue;
                }
                TreeScanner.Count(resolved.Stat, ref objects, ref bytes);
                if (resolved.Stat.FileType == CipherIo.S_IFDIR)
                {
                    using var dir = CipherIo.OpenDirectory(resolved.Parent.Handle, resolved.CipherName, out _);
                    if (dir is not null)
                    {
                        TreeScanner.Scan(_tree, dir, resolved.CipherPath, MaxDepth, _cancellation, ref objects, ref bytes);
                    }
                }
            }
        }
        Interlocked.Exchange(ref _objectsTotal, objects);
        Interlocked.Exchange(ref _bytesTotal, bytes);
    }
}
