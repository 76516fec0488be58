global using System.Text;
global using ReverseCrypt.Format;
global using ReverseCrypt.Interop;
global using ReverseCrypt.Operations.Check;
global using ReverseCrypt.Operations.Restore;
global using ReverseCrypt.Operations.Tests.Support;
global using ReverseCrypt.Storage;
global using ReverseCrypt.TestSupport;
