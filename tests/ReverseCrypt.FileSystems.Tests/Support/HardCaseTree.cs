namespace ReverseCrypt.FileSystems.Tests.Support;

/// <summary>
/// A plaintext tree with the cases a server backup really holds: sizes around the block size and a few MiB, names of
/// 175/176/255 bytes, invalid UTF-8, newlines, spaces, NFC and NFD, symlinks of every kind, FIFOs, sockets and device
/// nodes, setuid/setgid/sticky, foreign owners, nanosecond, pre-1970 and post-2038 times, deep nesting, a directory
/// of thousands of entries, hard links, xattrs of several namespaces and ACLs.
/// </summary>
public static class HardCaseTree
{
    public const int ManyEntries = 3000;
    public const int Depth = 40;

    public static void Create(string plain)
    {
        string script = $$"""
            set -euo pipefail
            cd {{Sh.Q(plain)}}
            name() { head -c "$1" < /dev/zero | tr '\0' "$2"; }
            : > size0
            head -c 1 /dev/urandom > size1
            head -c 4095 /dev/urandom > size4095
            head -c 4096 /dev/urandom > size4096
            head -c 4097 /dev/urandom > size4097
            head -c 3145851 /dev/urandom > size3MiB
            printf 'x' > "$(name 175 a)"
            printf 'y' > "$(name 176 b)"
            printf 'z' > "$(name 255 c)"
            echo invalid > $'\xff\xfe\x80 not utf8'
            echo newline > $'new\nline'
            echo spaces > '  spaces  in  name  '
            echo nfc > $'caf\xc3\xa9'
            echo nfd > $'cafe\xcc\x81'
            mkdir sub empty
            ln -s size1 rel
            ln -s ../size1 sub/uplink
            ln -s /etc/hostname abs
            ln -s does/not/exist dangling
            ln -s "$(name 2000 t)" longtarget
            mkdir "$(name 200 d)"
            echo "in a long-named directory" > "$(name 200 d)/$(name 180 e)"
            mkfifo fifo
            mknod chardev c 1 3
            mknod blockdev b 7 200
            python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("socket")'
            echo setuid > setuid && chmod 4755 setuid
            mkdir setgid && chmod 2775 setgid
            mkdir sticky && chmod 1777 sticky
            echo private > private && chmod 0600 private
            echo foreign > foreign && chown 12345:54321 foreign
            chown -h 23456:65432 rel
            echo hard > hard1 && ln hard1 hard2 && ln hard1 sub/hard3
            echo nanos > nanos && touch -d '@1700000000.123456789' nanos
            echo old > pre1970 && touch -d '1960-06-15 12:00:00.25' pre1970
            echo future > post2038 && touch -d '2100-01-01 00:00:00.5' post2038
            touch -h -d '1999-12-31 23:59:59.999999999' abs
            d=deep; for i in $(seq 1 {{Depth}}); do d="$d/level$i"; done
            mkdir -p "$d" && echo bottom > "$d/file"
            mkdir many && (cd many && for i in $(seq 1 {{ManyEntries}}); do echo "$i" > "entry-$i"; done)
            setfattr -n user.test -v hello size1
            setfattr -n user.empty size4095
            setfattr -n trusted.secret -v 0x00ff00 size1
            setfattr -n security.label -v confidential size4096
            setfattr -h -n trusted.onlink -v linkvalue rel
            setfattr -n user.dirattr -v d sub
            setfacl -m u:12345:rw,g:54321:r size4096
            setfacl -d -m u:12345:rwx setgid
            touch -d '2001-02-03 04:05:06.789' many sub empty "$(name 200 d)"
            """;
        Sh.Check(script, TimeSpan.FromMinutes(2));
    }
}
