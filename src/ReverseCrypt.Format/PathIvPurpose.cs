// Purposes of the reverse-mode path-derived IVs (docs/format.md section 5).
namespace ReverseCrypt.Format;

/// <summary>What a path-derived IV is used for; selects the ASCII purpose string hashed after the path.</summary>
public enum PathIvPurpose
{
    /// <summary>"DIRIV": directory IV (name tweak, content of gocryptfs.diriv).</summary>
    DirIv,
    /// <summary>"FILEID": file ID in the content header.</summary>
    FileId,
    /// <summary>"BLOCK0IV": nonce of content block 0.</summary>
    Block0Iv,
    /// <summary>"SYMLINKIV": nonce of an encrypted symlink target.</summary>
    SymlinkIv,
    /// <summary>"XATTRIV": nonce of an encrypted xattr value.</summary>
    XattrIv,
}
