namespace ReverseCrypt.FileSystems.Tests.Support;

/// <summary>
/// A plaintext tree with the cases a server backup really holds: the common ones of <see cref="HardCaseScript"/>
/// plus a few MiB, NFC and NFD names, a 2000-byte symlink target, a socket, setgid, deep nesting, a directory of
/// thousands of entries, trusted.* and security.* xattrs (also on a symlink) and a default ACL.
/// </summary>
public static class ServerBackupTree
{
    public const int ManyEntries = 3000;
    public const int Depth = 40;

    public static void Create(string plain) => HardCaseScript.Create(plain, $$"""
        head -c 3145851 /dev/urandom > size3MiB
        echo nfc > $'caf\xc3\xa9'
        echo nfd > $'cafe\xcc\x81'
        ln -s "$(name 2000 t)" longtarget
        python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("socket")'
        mkdir setgid && chmod 2775 setgid
        touch -h -d '1999-12-31 23:59:59.999999999' abs
        d=deep; for i in $(seq 1 {{Depth}}); do d="$d/level$i"; done
        mkdir -p "$d" && echo bottom > "$d/file"
        mkdir many && (cd many && for i in $(seq 1 {{ManyEntries}}); do echo "$i" > "entry-$i"; done)
        setfattr -n trusted.secret -v 0x00ff00 size1
        setfattr -n security.label -v confidential size4096
        setfattr -h -n trusted.onlink -v linkvalue rel
        setfacl -d -m u:12345:rwx setgid
        touch -d '2001-02-03 04:05:06.789' many
        """);
}
