using System.Runtime.InteropServices;

namespace ReverseCrypt.FileSystems.Tests.Support;

/// <summary>
/// Drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the calling thread's effective set (capabilities are per
/// thread on Linux; threads created meanwhile inherit the reduced set), so that root meets a mode-000 file like any
/// other user. Dispose restores them (they stay in the permitted set).
/// </summary>
public sealed partial class DacCapabilitiesDropped : IDisposable
{
    private const uint LinuxCapabilityVersion3 = 0x20080522;
    private const int CapDacOverride = 1, CapDacReadSearch = 2;

    private readonly uint _savedEffective;

    public DacCapabilitiesDropped()
    {
        var header = new CapHeader { Version = LinuxCapabilityVersion3, Pid = 0 };
        var data = new CapData[2];
        if (Capget(ref header, data) != 0)
        {
            throw new InvalidOperationException("capget failed: " + Marshal.GetLastPInvokeError());
        }
        _savedEffective = data[0].Effective;
        data[0].Effective &= ~((1u << CapDacOverride) | (1u << CapDacReadSearch));
        if (Capset(ref header, data) != 0)
        {
            throw new InvalidOperationException("capset failed: " + Marshal.GetLastPInvokeError());
        }
    }

    public void Dispose()
    {
        var header = new CapHeader { Version = LinuxCapabilityVersion3, Pid = 0 };
        var data = new CapData[2];
        if (Capget(ref header, data) == 0)
        {
            data[0].Effective = _savedEffective;
            Capset(ref header, data);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    [LibraryImport("libc", EntryPoint = "capget", SetLastError = true)]
    private static partial int Capget(ref CapHeader header, [In, Out] CapData[] data);

    [LibraryImport("libc", EntryPoint = "capset", SetLastError = true)]
    private static partial int Capset(ref CapHeader header, [In] CapData[] data);
}
