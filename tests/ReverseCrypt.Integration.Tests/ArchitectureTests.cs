using System.Reflection;

namespace ReverseCrypt.Integration.Tests;

/// <summary>Keeps the one-way project dependencies of docs/decisions.md: the format never sees FUSE,
/// the FUSE library never sees crypto or format code, and no product assembly sees test code.</summary>
public class ArchitectureTests
{
    private static string[] ReferencesOf(string assembly) =>
        Assembly.Load(assembly).GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("ReverseCrypt.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();

    [TestCase("ReverseCrypt.Interop", new string[0])]
    [TestCase("ReverseCrypt.Crypto", new string[0])]
    [TestCase("ReverseCrypt.Fuse", new[] { "ReverseCrypt.Interop" })]
    [TestCase("ReverseCrypt.Format", new[] { "ReverseCrypt.Crypto" })]
    [TestCase("ReverseCrypt.Storage", new[] { "ReverseCrypt.Crypto", "ReverseCrypt.Format", "ReverseCrypt.Interop" })]
    [TestCase("ReverseCrypt.Operations", new[] { "ReverseCrypt.Crypto", "ReverseCrypt.Format", "ReverseCrypt.Interop", "ReverseCrypt.Storage" })]
    // The test helpers shared by the test projects sit on top of FileSystems, below Operations and the CLI.
    [TestCase("ReverseCrypt.TestSupport", new[] { "ReverseCrypt.Crypto", "ReverseCrypt.FileSystems", "ReverseCrypt.Format", "ReverseCrypt.Fuse", "ReverseCrypt.Interop", "ReverseCrypt.Storage" })]
    public void Assembly_ReferencesOnlyAllowedProjects(string assembly, string[] allowed)
    {
        Assert.That(ReferencesOf(assembly), Is.SubsetOf(allowed));
    }

    [Test]
    public void FileSystems_ReferencesFuseButNotOperations()
    {
        Assert.That(ReferencesOf("ReverseCrypt.FileSystems"), Does.Contain("ReverseCrypt.Fuse").And.Not.Contain("ReverseCrypt.Operations"));
    }

    [TestCase("ReverseCrypt.Interop")]
    [TestCase("ReverseCrypt.Crypto")]
    [TestCase("ReverseCrypt.Fuse")]
    [TestCase("ReverseCrypt.Format")]
    [TestCase("ReverseCrypt.Storage")]
    [TestCase("ReverseCrypt.FileSystems")]
    [TestCase("ReverseCrypt.Operations")]
    [TestCase("reversecrypt")]
    public void ProductAssembly_NeverReferencesTestCode(string assembly)
    {
        var references = Assembly.Load(assembly).GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.That(references, Has.None.EqualTo("ReverseCrypt.TestSupport").And.None.StartsWith("nunit"));
    }
}
