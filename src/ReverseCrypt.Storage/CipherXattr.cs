namespace ReverseCrypt.Storage;

/// <summary>
/// One extended attribute of an encrypted object: its name on the cipher object and its plaintext name (equal for
/// the ACLs, which pass through), or null when the name does not decrypt.
/// </summary>
public sealed record CipherXattr(byte[] CipherName, byte[]? PlainName)
{
    /// <summary>True for system.posix_acl_access / _default, stored unencrypted.</summary>
    public bool IsPassThrough => PlainName is not null && CipherName.AsSpan().SequenceEqual(PlainName);
}
