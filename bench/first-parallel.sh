#!/usr/bin/env bash
# Issue 13, first backup: is one rsync through the reverse view slower than K rsyncs over one ssh ControlMaster?
# A benchmark, never a test. Each variant copies a freshly mounted view of the generated tree to an empty directory
# over a private sshd on 127.0.0.1 (the options backup uses for a first run, without --delete and --sparse): K=1 is
# one rsync of the whole view; K=N splits the view's top-level entries round-robin into N --files-from lists (each
# directory holds its own hard-link pair, so a group stays in one part), runs N rsyncs at once, then one last
# non-recursive pass for the top directory's attributes. Rounds alternate the order of the variants. After the
# rounds the K=1 copy and each K=N copy are compared (names, modes, sizes of files, mtimes, link counts).
#
#   bench/first-parallel.sh                    20 directories x 1,000 files, K = 1 2 4, 3 rounds
#   DIRS=100 FILES=1000 KS="1 2" ROUNDS=3 bench/first-parallel.sh
#
# Needs root, rsync, sshd, fusermount3, python3. RC=/path/to/reversecrypt uses a prebuilt CLI.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
RC="${RC:-$root/reversecrypt}"
DIRS="${DIRS:-20}"; FILES="${FILES:-1000}"; ROUNDS="${ROUNDS:-3}"; KS="${KS:-1 2 4}"
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }
W="$(mktemp -d "${BENCH_TMP:-/var/tmp}/rc-parallel.XXXXXX")"
SSHD_PID=""
cleanup() {
    set +e
    mountpoint -q "$W/view" && fusermount3 -u "$W/view"
    [ -S "$W/cm.sock" ] && ssh -o ControlPath="$W/cm.sock" -O exit root@127.0.0.1 2>/dev/null
    [ -n "$SSHD_PID" ] && kill "$SSHD_PID"
    rm -rf "$W"
}
trap cleanup EXIT
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(date +%s.%N)"; }

python3 "$root/bench/gen_tree.py" files "$W/tree" "$DIRS" "$FILES" >/dev/null
echo "parallel benchmark password" > "$W/pass"
"$RC" init --reverse --scryptn 10 --passfile "$W/pass" "$W/tree" >/dev/null 2>&1
mkdir -p "$W/view" "$W/dest"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ssh-keygen -q -t ed25519 -N '' -f "$W/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$W/client_key"
cp "$W/client_key.pub" "$W/authorized_keys"
printf 'Port %s\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nStrictModes no\nPidFile %s\n' \
    "$PORT" "$W/host_key" "$W/authorized_keys" "$W/sshd.pid" > "$W/sshd_config"
mkdir -p /run/sshd
/usr/sbin/sshd -D -f "$W/sshd_config" -E "$W/sshd.log" & SSHD_PID=$!
SSH="ssh -i $W/client_key -p $PORT -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
for _ in $(seq 50); do $SSH root@127.0.0.1 true 2>/dev/null && break; sleep 0.1; done
$SSH -o ControlMaster=yes -o ControlPersist=yes -o ControlPath="$W/cm.sock" -fN root@127.0.0.1
RSH="$SSH -o ControlMaster=no -o ControlPath=$W/cm.sock"
OPTS=(-aHAX --numeric-ids --no-h --modify-window=-1 --compress --compress-choice=zstd --compress-level=1 -e "$RSH")

# One variant: a fresh view, an empty target, K rsyncs (K=1: the whole view), unmount. Prints seconds.
variant() {
    local k=$1 target="$W/dest/k$1" s pids=()
    $SSH root@127.0.0.1 "rm -rf $target && mkdir -p $target"
    "$RC" mount --reverse --passfile "$W/pass" "$W/tree" "$W/view" >/dev/null 2>&1
    s=$(date +%s.%N)
    if [ "$k" -eq 1 ]; then
        rsync "${OPTS[@]}" "$W/view/" "root@127.0.0.1:$target/"
    else
        (cd "$W/view" && ls -A) | split -n "r/$k" - "$W/part."
        for part in "$W"/part.*; do rsync "${OPTS[@]}" -r --files-from="$part" "$W/view/" "root@127.0.0.1:$target/" & pids+=($!); done
        for pid in "${pids[@]}"; do wait "$pid"; done
        rm -f "$W"/part.*
        rsync "${OPTS[@]}" -d --existing "$W/view/" "root@127.0.0.1:$target/"
    fi
    secs "$s"
    fusermount3 -u "$W/view"
}

declare -A times
for k in $KS; do times[$k]=""; done
for round in $(seq "$ROUNDS"); do
    order="$KS"; [ $((round % 2)) -eq 0 ] && order="$(echo "$KS" | tr ' ' '\n' | tac | tr '\n' ' ')"
    line="round $round:"
    for k in $order; do t=$(variant "$k"); times[$k]+="$t "; line+=" K=$k $t s"; done
    echo "$line (load $(cut -d' ' -f1-3 /proc/loadavg))"
done
describe() { (cd "$1" && find . -printf '%p %y %m %n %T@ ' -type f -printf '%s' -o -printf '-' , -printf '\n' | sort); }
for k in $KS; do
    [ "$k" -eq 1 ] && continue
    if diff <(describe "$W/dest/k1") <(describe "$W/dest/k$k") >/dev/null; then echo "K=$k copy equals K=1's"; else echo "K=$k copy DIFFERS from K=1's"; fi
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# shellcheck disable=SC2086
for k in $KS; do echo "K=$k median $(median ${times[$k]}) s"; done
