global using System.Runtime.CompilerServices;

// Linux only: the tests mount real filesystems and call Linux syscalls.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
