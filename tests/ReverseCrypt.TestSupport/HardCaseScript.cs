namespace ReverseCrypt.TestSupport;

/// <summary>
/// Builds a plaintext tree with shell tools from the cases a server backup really holds, common to the mount and the
/// backup tests: sizes around the block size, names of 175/176/255 bytes, invalid UTF-8, newlines and spaces in
/// names, a long-named directory, symlinks of every kind, a FIFO and device nodes, setuid and sticky bits, foreign
/// owners, nanosecond, pre-1970 and post-2038 times, hard links, user xattrs and an ACL. Needs root.
/// </summary>
public static class HardCaseScript
{
    /// <summary>
    /// Runs the common cases in <paramref name="plain"/>, then <paramref name="moreCases"/> (bash lines run in
    /// <paramref name="plain"/>, with <c>name N C</c> printing N times the character C). Directories made by the
    /// common cases (sub, empty and the long-named one) get a fixed mtime before <paramref name="moreCases"/> run.
    /// </summary>
    public static void Create(string plain, string moreCases)
    {
        var script = $$"""
            set -euo pipefail
            cd {{Run.Quote(plain)}}
            name() { head -c "$1" < /dev/zero | tr '\0' "$2"; }
            : > size0
            head -c 1 /dev/urandom > size1
            head -c 4095 /dev/urandom > size4095
            head -c 4096 /dev/urandom > size4096
            head -c 4097 /dev/urandom > size4097
            printf 'x' > "$(name 175 a)"
            printf 'y' > "$(name 176 b)"
            printf 'z' > "$(name 255 c)"
            echo invalid > $'\xff\xfe\x80 not utf8'
            echo newline > $'new\nline'
            echo spaces > '  spaces  in  name  '
            mkdir sub empty
            ln -s size1 rel
            ln -s ../size1 sub/uplink
            ln -s /etc/hostname abs
            ln -s does/not/exist dangling
            mkdir "$(name 200 d)"
            echo "in a long-named directory" > "$(name 200 d)/$(name 180 e)"
            mkfifo fifo
            mknod chardev c 1 3
            mknod blockdev b 7 200
            echo setuid > setuid && chmod 4755 setuid
            mkdir sticky && chmod 1777 sticky
            echo private > private && chmod 0600 private
            echo foreign > foreign && chown 12345:54321 foreign
            chown -h 23456:65432 rel
            echo hard > hard1 && ln hard1 hard2 && ln hard1 sub/hard3
            echo nanos > nanos && touch -d '@1700000000.123456789' nanos
            echo old > pre1970 && touch -d '1960-06-15 12:00:00.25' pre1970
            echo future > post2038 && touch -d '2100-01-01 00:00:00.5' post2038
            setfattr -n user.test -v hello size1
            setfattr -n user.empty size4095
            setfattr -n user.dirattr -v d sub
            setfacl -m u:12345:rw,g:54321:r size4096
            touch -d '2001-02-03 04:05:06.789' sub empty "$(name 200 d)"

            """ + moreCases;
        Run.Ok(script, TimeSpan.FromMinutes(2));
    }
}
