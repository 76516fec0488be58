#!/usr/bin/env bash
# Builds the Debian package: packaging/build-deb.sh [OUTDIR]  (default OUTDIR: artifacts/deb)
#
# A self-contained single-file build for linux-x64 (no .NET runtime needed on the target) is installed as
# /usr/lib/reversecrypt/reversecrypt next to libsodium.so (NSec's native library, which a single-file app does not
# embed; keeping it beside the program avoids extracting it at run time, which a hardened service could not do) and
# linked from /usr/bin/reversecrypt. Plus the systemd units, the man page and the samples as examples.
# The publish uses its own artifacts path, so it never collides with other builds of the tree.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
out="$(mkdir -p "${1:-$root/artifacts/deb}" && cd "${1:-$root/artifacts/deb}" && pwd)"
work="$(mktemp -d /tmp/reversecrypt-deb.XXXXXX)"
trap 'rm -rf "$work"' EXIT

for tool in dotnet dpkg-deb gzip; do
    command -v "$tool" >/dev/null || { echo "build-deb.sh: $tool is missing" >&2; exit 40; }
done
version="$(sed -n 's|.*<Version>\(.*\)</Version>.*|\1|p' "$root/src/ReverseCrypt.Cli/ReverseCrypt.Cli.csproj" | head -n1)"
[ -n "$version" ] || { echo "build-deb.sh: no <Version> in ReverseCrypt.Cli.csproj" >&2; exit 1; }

# The commit `reversecrypt --version` shows ("unknown" outside a git checkout).
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || true)"
commit="${commit:-unknown}"

echo "build-deb.sh: publishing reversecrypt $version (commit $commit) (self-contained, single file, ReadyToRun, linux-x64)..." >&2
dotnet publish "$root/src/ReverseCrypt.Cli/ReverseCrypt.Cli.csproj" -c Release -r linux-x64 --self-contained \
    -p:PublishSingleFile=true -p:PublishReadyToRun=true -p:DebugType=none -p:SourceCommit="$commit" \
    -p:ArtifactsPath="$work/artifacts" -o "$work/publish" --nologo -v quiet -clp:ErrorsOnly >&2

stage="$work/stage"
install -d -m 0755 "$stage/usr/bin" "$stage/usr/lib/reversecrypt" "$stage/lib/systemd/system" \
    "$stage/usr/share/man/man1" "$stage/usr/share/doc/reversecrypt/examples" "$stage/DEBIAN"
install -d -m 0700 "$stage/etc/reversecrypt"
install -m 0755 "$work/publish/reversecrypt" "$stage/usr/lib/reversecrypt/reversecrypt"
for lib in "$work/publish"/*.so; do
    [ -e "$lib" ] && install -m 0644 "$lib" "$stage/usr/lib/reversecrypt/"
done
ln -s ../lib/reversecrypt/reversecrypt "$stage/usr/bin/reversecrypt"
install -m 0644 "$root"/packaging/systemd/*.service "$root"/packaging/systemd/*.timer "$stage/lib/systemd/system/"
gzip -9n < "$root/packaging/man/reversecrypt.1" > "$stage/usr/share/man/man1/reversecrypt.1.gz"
for sample in nightly-backup disaster-recovery; do
    cp -r "$root/samples/$sample" "$stage/usr/share/doc/reversecrypt/examples/"
done
find "$stage/usr/share/doc" -type d -exec chmod 0755 {} + && find "$stage/usr/share/doc" -type f -exec chmod 0644 {} +
cat > "$stage/usr/share/doc/reversecrypt/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: reversecrypt
Files: *
Copyright: the ReverseCrypt authors
License: see the project's repository
COPYRIGHT

installed_kb="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: reversecrypt
Version: $version
Architecture: amd64
Maintainer: ReverseCrypt developers <reversecrypt@localhost>
Installed-Size: $installed_kb
Depends: fuse3, rsync, openssh-client, libc6, libgcc-s1, libstdc++6, zlib1g, libssl3 | libssl1.1
Suggests: gocryptfs
Section: admin
Priority: optional
Description: encrypted, rsync-friendly backups in the gocryptfs reverse format
 ReverseCrypt presents an encrypted, read-only view of a plaintext directory
 (a FUSE filesystem), byte-identical to gocryptfs -reverse (AES-SIV), and backs
 it up with rsync to a local disk or over ssh; the remote never needs the key.
 Dated snapshots with hard links, retention, verify, systemd units and timer.
CONTROL
cat > "$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
exit 0
POSTINST
cat > "$stage/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
if [ "$1" = purge ]; then rmdir /etc/reversecrypt 2>/dev/null || true; fi
exit 0
POSTRM
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/postrm"

deb="$out/reversecrypt_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >&2
echo "$deb"
