namespace ReverseCrypt.Fuse.Mounting;

/// <summary>One line of /proc/self/mountinfo (the fields we use).</summary>
internal sealed record MountEntry(string MountPoint, string FilesystemType, string Source, uint DeviceMajor, uint DeviceMinor)
{
    public bool IsFuse => FilesystemType == "fuse" || FilesystemType.StartsWith("fuse.", StringComparison.Ordinal)
        || FilesystemType == "fuseblk" || FilesystemType.StartsWith("fuseblk.", StringComparison.Ordinal);
}
