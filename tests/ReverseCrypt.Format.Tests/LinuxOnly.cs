// The tests run on Linux only (real mounts, Unix permissions, gocryptfs).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
