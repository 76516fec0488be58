# shellcheck shell=bash
# ensure_deps [PACKAGE...]: installs the Debian packages that the demo needs, and the extra ones given (tests/run
# gives $REVERSECRYPT_TEST_DEBS), when missing.
# Needs root for apt-get; otherwise it only says what is missing.
REVERSECRYPT_DEBS="fuse3 rsync openssh-server openssh-client gocryptfs attr acl systemd"
# The tests also need: gcc make libc6-dev linux-libc-dev to build native/ (the C program that prints the kernel ABI
# the C# code mirrors); btrfs-progs xfsprogs for btrfs and XFS filesystems on loop devices (snapshot modes); python3
# for the tree oracle (tests/tree-manifest.py) and tests/trx-skips.py; inotify-tools for the "never opened" proofs; groff-base to render the man page;
# lvm2 for backup --source-snapshot lvm (a volume group on a loop device); adduser for the walkthrough test.
REVERSECRYPT_TEST_DEBS="gcc make libc6-dev linux-libc-dev btrfs-progs xfsprogs python3 inotify-tools groff-base lvm2 adduser"

ensure_deps() {
    local missing=() pkg
    for pkg in $REVERSECRYPT_DEBS "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
            return 1
        fi
        echo "installing: ${missing[*]}" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
    fi
    if ! command -v dotnet >/dev/null 2>&1; then
        echo "the .NET 10 SDK is missing (dotnet not on PATH): install it from your distribution or Microsoft's packages" >&2
        return 1
    fi
    [ -e /dev/fuse ] || echo "warning: /dev/fuse is missing: mount tests and the demo cannot run" >&2
}
