#!/bin/bash
# Sequential read of a remote snapshot over ssh to 127.0.0.1 (issue 14): `reversecrypt mount host:DEST MNT` (SFTP
# client in the program, one ssh connection) against `sshfs` + `gocryptfs -ro` on the same snapshot.
# Starts its own sshd on 127.0.0.1 (throwaway keys, root login by key), makes a snapshot backup of one BIG_MIB file,
# then alternates RUNS fresh mounts of each and reads the file with dd bs=1M: ours (no -c given, so it prefers
# AES-GCM), sshfs with ssh's default ciphers (chacha20-poly1305 first), and sshfs told to use AES-GCM too
# (-o Ciphers=aes128-gcm@openssh.com, what a user who knows would do). Prints every run with the CPU seconds each
# process took during the read, the medians and the ratios. As root; needs sshd, sshfs, gocryptfs, rsync.
#   bench/remote-mount.sh            BIG_MIB=256 RUNS=3 by default
set -euo pipefail
BIG_MIB=${BIG_MIB:-256}
RUNS=${RUNS:-3}
HERE=$(cd "$(dirname "$0")/.." && pwd)
RC="${RC:-$HERE/reversecrypt}"
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

# cpu PID...: CPU seconds (user + system) the processes have used so far (0 for one that is gone).
cpu() { local p t=0; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done; awk -v t="$t" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'; }
session_pids() { local s; for s in $(pgrep -P "$SSHD_PID"); do echo "$s"; pgrep -P "$s"; done; }
# read_timed FILE LABEL CLIENT_PIDS...: dd of FILE; prints MB/s, logs the CPU seconds of the clients and of sshd +
# sftp-server during the read.
read_timed() {
    local file="$1" label="$2"; shift 2
    local server; server=$(session_pids)
    local before_c before_s; before_c=$(cpu "$@"); before_s=$(cpu $server)
    local mbps; mbps=$(dd_mbps "$file")
    log "    $label: $mbps MB/s; CPU s during the read: client side $(awk -v a="$before_c" -v b="$(cpu "$@")" 'BEGIN { printf "%.2f", b - a }') ($*), sshd + sftp-server $(awk -v a="$before_s" -v b="$(cpu $server)" 'BEGIN { printf "%.2f", b - a }')"
    echo "$mbps"
}
# children PID: PID and the ssh it started (through setpriv, which execs).
with_ssh() { echo "$1"; pgrep -P "$1" -x ssh || true; }

ours=(); theirs=(); gcm=()
for i in $(seq "$RUNS"); do
    "$RC" mount --ssh "$SSH" --passfile "$WORK/pass" "root@127.0.0.1:$WORK/dest" "$WORK/ours"
    daemon=$(pgrep -n -f -- "mount .*$WORK/ours")
    o=$(read_timed "$WORK/ours/big.bin" "reversecrypt mount" $(with_ssh "$daemon"))
    fusermount3 -u "$WORK/ours"
    for cipher in default gcm; do
        opts=ro,ssh_command="$SSH"
        [ "$cipher" = gcm ] && opts="$opts,Ciphers=aes128-gcm@openssh.com"
        sshfs -o "$opts" "root@127.0.0.1:$SNAP" "$WORK/sshfs"
        gocryptfs -q -nosyslog -ro -passfile "$WORK/pass" "$WORK/sshfs" "$WORK/gocryptfs" >/dev/null
        sshfs_pid=$(pgrep -n -f -- "sshfs .*$WORK/sshfs")
        t=$(read_timed "$WORK/gocryptfs/big.bin" "sshfs ($cipher ciphers) + gocryptfs -ro" \
            $(with_ssh "$sshfs_pid") $(pgrep -n -f -- "gocryptfs .*$WORK/gocryptfs"))
        fusermount3 -u "$WORK/gocryptfs"
        fusermount3 -u "$WORK/sshfs"
        if [ "$cipher" = gcm ]; then gcm+=("$t"); else theirs+=("$t"); fi
    done
    ours+=("$o")
    log "  run $i: reversecrypt mount $o MB/s, sshfs + gocryptfs -ro ${theirs[-1]} MB/s default ciphers / ${gcm[-1]} MB/s AES-GCM (load $(cut -d' ' -f1-3 /proc/loadavg))"
done
o=$(printf '%s\n' "${ours[@]}" | median)
t=$(printf '%s\n' "${theirs[@]}" | median)
g=$(printf '%s\n' "${gcm[@]}" | median)
echo "remote mount, $BIG_MIB MiB sequential over ssh to 127.0.0.1 (MB/s, median of $RUNS): reversecrypt mount $o, sshfs + gocryptfs -ro $t (ssh default ciphers), ratio $(awk -v o="$o" -v t="$t" 'BEGIN { printf "%.2f", o / t }')x (goal >= 2x); sshfs with AES-GCM too $g, ratio $(awk -v o="$o" -v t="$g" 'BEGIN { printf "%.2f", o / t }')x"
