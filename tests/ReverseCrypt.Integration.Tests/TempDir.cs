namespace ReverseCrypt.Integration.Tests;

/// <summary>The old name of <see cref="TestDirectory"/>, kept only for RsyncOutputTests.cs, which the lead engineer is
/// changing together with the rsync exit-code mapping (renaming it there would collide with that work). New code uses
/// <see cref="TestDirectory"/>.</summary>
public sealed class TempDir : TestDirectory;
