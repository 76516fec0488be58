global using System.Text;
global using ReverseCrypt.FileSystems.Reverse;
global using ReverseCrypt.FileSystems.Tests.Support;
global using ReverseCrypt.Format;
global using ReverseCrypt.Fuse;
global using ReverseCrypt.Interop;
global using ReverseCrypt.TestSupport;
