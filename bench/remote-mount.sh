#!/bin/bash
# Sequential read of a remote snapshot over ssh to 127.0.0.1 (issue 14): `reversecrypt mount host:DEST MNT` (SFTP
# client in the program, one ssh connection) against `sshfs` + `gocryptfs -ro` on the same snapshot.
# Starts its own sshd on 127.0.0.1 (throwaway keys, root login by key), makes a snapshot backup of one BIG_MIB file,
# then alternates RUNS fresh mounts of each and reads the file with dd bs=1M. Prints every run, the medians and
# the ratio. As root; needs sshd, sshfs, gocryptfs, rsync.
#   bench/remote-mount.sh            BIG_MIB=256 RUNS=3 by default
set -euo pipefail
BIG_MIB=${BIG_MIB:-256}
RUNS=${RUNS:-3}
HERE=$(cd "$(dirname "$0")/.." && pwd)
RC="$HERE/reversecrypt"
for tool in /usr/sbin/sshd sshfs gocryptfs rsync; do
    command -v "$tool" >/dev/null || { echo "remote-mount.sh: $tool is missing (apt-get install openssh-server sshfs gocryptfs rsync)" >&2; exit 2; }
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rc-remote-bench.XXXXXX")
SSHD_PID=
cleanup() {
    for m in "$WORK/ours" "$WORK/gocryptfs" "$WORK/sshfs"; do
        mountpoint -q "$m" 2>/dev/null && { fusermount3 -u "$m" 2>/dev/null || fusermount3 -uz "$m"; }
    done
    [ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "$*" >&2; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
dd_mbps() { dd if="$1" of=/dev/null bs=1M 2>&1 | awk '/copied/ { for (i = 1; i <= NF; i++) if ($i == "s,") print int($1 / $(i-1) / 1e6) }'; }

mkdir -p "$WORK"/{plain,dest,run,ours,sshfs,gocryptfs}
ssh-keygen -q -t ed25519 -N "" -f "$WORK/host"
ssh-keygen -q -t ed25519 -N "" -f "$WORK/client"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$WORK/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $WORK/host
PermitRootLogin prohibit-password
AuthorizedKeysFile $WORK/client.pub
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile none
LogLevel ERROR
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
mkdir -p /run/sshd
/usr/sbin/sshd -D -f "$WORK/sshd_config" -E "$WORK/sshd.log" &
SSHD_PID=$!
SSH="ssh -i $WORK/client -p $PORT -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -o IdentitiesOnly=yes"
for _ in $(seq 50); do $SSH root@127.0.0.1 true 2>/dev/null && break; sleep 0.1; done

log "== remote mount: a snapshot backup of one $BIG_MIB MiB file to root@127.0.0.1 (load $(cut -d' ' -f1-3 /proc/loadavg))"
head -c "$((BIG_MIB * 1048576))" /dev/urandom > "$WORK/plain/big.bin"
echo "bench password" > "$WORK/pass"
"$RC" init --reverse --scryptn 10 --passfile "$WORK/pass" "$WORK/plain" >/dev/null
RUNTIME_DIRECTORY="$WORK/run" "$RC" backup --snapshots --ssh "$SSH" --passfile "$WORK/pass" "$WORK/plain" "root@127.0.0.1:$WORK/dest" >/dev/null
SNAP="$WORK/dest/snapshots/$(ls "$WORK/dest/snapshots" | tail -1)"
CIPHER_BIG=$(find "$SNAP" -type f -size +1M)
cat "$CIPHER_BIG" > /dev/null # the "remote" side reads from the page cache in both cases

ours=(); theirs=()
for i in $(seq "$RUNS"); do
    "$RC" mount --ssh "$SSH" --passfile "$WORK/pass" "root@127.0.0.1:$WORK/dest" "$WORK/ours"
    o=$(dd_mbps "$WORK/ours/big.bin")
    fusermount3 -u "$WORK/ours"
    sshfs -o ro,ssh_command="$SSH" "root@127.0.0.1:$SNAP" "$WORK/sshfs"
    gocryptfs -q -nosyslog -ro -passfile "$WORK/pass" "$WORK/sshfs" "$WORK/gocryptfs" >/dev/null
    t=$(dd_mbps "$WORK/gocryptfs/big.bin")
    fusermount3 -u "$WORK/gocryptfs"
    fusermount3 -u "$WORK/sshfs"
    ours+=("$o"); theirs+=("$t")
    log "  run $i: reversecrypt mount $o MB/s, sshfs + gocryptfs -ro $t MB/s (load $(cut -d' ' -f1-3 /proc/loadavg))"
done
o=$(printf '%s\n' "${ours[@]}" | median)
t=$(printf '%s\n' "${theirs[@]}" | median)
echo "remote mount, $BIG_MIB MiB sequential over ssh to 127.0.0.1 (MB/s, median of $RUNS): reversecrypt mount $o, sshfs + gocryptfs -ro $t, ratio $(awk -v o="$o" -v t="$t" 'BEGIN { printf "%.2f", o / t }')x (goal >= 2x)"
