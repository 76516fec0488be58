#!/usr/bin/env bash
# The whole nightly job side by side (a benchmark, never a test): `reversecrypt backup --snapshots`, the gocryptfs
# recipe (gocryptfs -reverse + rsync --link-dest into a dated snapshot + unmount) and restic (Debian package, sftp),
# all over a private sshd on 127.0.0.1, on the same generated tree, in one run. Prints every figure, the medians and
# the ratios (ours / restic, ours / gocryptfs recipe).
#
#   bench/nightly.sh                   100,000 files of 0-4 KiB in 100 directories + one 256 MiB file, 3 runs
#   RUNS=5 bench/nightly.sh            medians of 5
#   DEST_FS=btrfs|xfs|plain            where the destinations live: a loop-mounted btrfs or XFS (default btrfs), or
#                                      a plain directory under BENCH_TMP
#   QUICK=1 bench/nightly.sh           a small tree (a smoke test of the script; figures meaningless)
#   OURS_OPTS=--full bench/nightly.sh  more options for our backup (--full: every run looks at every file, as before
#                                      change-driven runs; manifests go to a private REVERSECRYPT_STATE_DIR)
#   JOBS="ours restic_job" bench/...   only these jobs (default "ours theirs restic_job"; theirs = the gocryptfs
#                                      recipe, the slowest); a skipped job's figures and ratios show as -
#   TREE_DIRS=1000 TREE_FILES=1000 JOBS="ours restic_job" RUNS=3 bench/nightly.sh
#                                      1,000,000 files (the "<= 1x restic" target): the loop-mounted destination's
#                                      size follows the tree, the jobs and RUNS (see dest_size below); the image is
#                                      sparse, but BENCH_TMP must have room for what the jobs write (printed first)
#   PHASES=1 bench/nightly.sh          also print our run's phases (backup --json "phases") for each timed run
#
# Jobs:   first        the first backup of the tree
#         unchanged    the next backup, nothing changed
#         one-block    the next backup after one 4 KiB block of the big file changed
# Disk:   what the one-block snapshot added on the destination filesystem (df before/after, after sync)
#
# Needs root, gocryptfs, rsync, restic, sshd, fusermount3, python3, mkfs.btrfs/mkfs.xfs for DEST_FS.
# RC=/path/to/reversecrypt uses a prebuilt CLI (default: the repository launcher).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
RUNS="${RUNS:-3}"
DEST_FS="${DEST_FS:-btrfs}"
if [ -n "${QUICK:-}" ]; then TREE_DIRS="${TREE_DIRS:-10}"; TREE_FILES="${TREE_FILES:-100}"; BIG_MIB="${BIG_MIB:-16}"; fi
TREE_DIRS="${TREE_DIRS:-100}"
TREE_FILES="${TREE_FILES:-1000}"
BIG_MIB="${BIG_MIB:-256}"
RC="${RC:-$root/reversecrypt}"
OURS_OPTS="${OURS_OPTS:-}"
JOBS="${JOBS:-ours theirs restic_job}"
PHASES="${PHASES:-}"
has_job() { case " $JOBS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
for job in $JOBS; do
    case "$job" in ours|theirs|restic_job) ;; *) echo "bench: JOBS: unknown job $job (ours, theirs, restic_job)" >&2; exit 2 ;; esac
done

tools="rsync fusermount3 python3 /usr/sbin/sshd ssh-keygen"
has_job theirs && tools="$tools gocryptfs"
has_job restic_job && tools="$tools restic"
for tool in $tools; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install gocryptfs rsync restic openssh-server fuse3)" >&2; exit 40; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }

WORK="$(mktemp -d "${BENCH_TMP:-/var/tmp}/rc-nightly.XXXXXX")"
export REVERSECRYPT_STATE_DIR="$WORK/state"
SSHD_PID=""
cleanup() {
    set +e
    for m in "$WORK/mnt-theirs"; do mountpoint -q "$m" && fusermount3 -u "$m"; done
    [ -n "$SSHD_PID" ] && kill "$SSHD_PID"
    mountpoint -q "$WORK/dest" && umount "$WORK/dest"
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "$@" >&2; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(now)"; }
median() { [ $# -gt 0 ] || { echo -; return; }; printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { python3 -c "import sys; a, b = sys.argv[1:]; print('-' if '-' in (a, b) or float(b) == 0 else f'{float(a) / float(b):.2f}x')" "$1" "$2"; }
used() { sync -f "$WORK/dest"; [ "$DEST_FS" = btrfs ] && btrfs filesystem sync "$WORK/dest" >/dev/null; df -B1 --output=used "$WORK/dest" | tail -n1 | tr -d ' '; }
mb() { [ "$1" = - ] && { echo -; return; }; python3 -c "import sys; print(f'{int(sys.argv[1]) / 1e6:.2f}')" "$1"; }

# The destination filesystem, sized for the tree: per job one copy of every file (a 0-4 KiB file takes up to two
# 4 KiB blocks with its cipher overhead and metadata: 8 KiB each), per snapshot 1 KiB of metadata per file (hard
# links, reflink copies; a btrfs snapshot costs less), the big file once per job plus once per one-block run of the
# recipe (rsync --link-dest stores a changed file whole), and 2 GiB to spare; at least 8 GiB.
dest_size() {
    python3 - "$TREE_DIRS" "$TREE_FILES" "$BIG_MIB" "$RUNS" "$JOBS" <<'PY'
import sys
dirs, files, big_mib, runs = (int(a) for a in sys.argv[1:5])
jobs = sys.argv[5].split()
entries = dirs * files
snapshots = 1 + 2 * runs
size = 2 << 30
for job in jobs:
    size += entries * 8192 + big_mib * (1 << 20)
    if job != "restic_job":
        size += snapshots * entries * 1024
    if job == "theirs":
        size += runs * big_mib * (1 << 20)
print(max(size, 8 << 30) // (1 << 20))
PY
}
mkdir -p "$WORK/dest"
case "$DEST_FS" in
    btrfs|xfs)
        size_mib=$(dest_size)
        free_mib=$(df -BM --output=avail "$WORK" | tail -n1 | tr -dc 0-9)
        log "destination: a sparse ${size_mib} MiB $DEST_FS image; ${free_mib} MiB free under $WORK"
        [ "$free_mib" -ge $(( size_mib / 2 )) ] || log "bench: warning: less than half the image size is free under $WORK; the jobs may run out of room"
        truncate -s "${size_mib}M" "$WORK/dest.img"
        if [ "$DEST_FS" = btrfs ]; then mkfs.btrfs -q "$WORK/dest.img"; else mkfs.xfs -q "$WORK/dest.img"; fi
        mount -o loop "$WORK/dest.img" "$WORK/dest" ;;
    plain) ;;
    *) echo "bench: DEST_FS must be btrfs, xfs or plain" >&2; exit 2 ;;
esac

# A private sshd on 127.0.0.1 with a key of its own.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ssh-keygen -q -t ed25519 -N '' -f "$WORK/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/client_key"
cp "$WORK/client_key.pub" "$WORK/authorized_keys"
cat > "$WORK/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $WORK/host_key
AuthorizedKeysFile $WORK/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
StrictModes no
Subsystem sftp internal-sftp
PidFile $WORK/sshd.pid
EOF
mkdir -p /run/sshd
/usr/sbin/sshd -D -f "$WORK/sshd_config" -E "$WORK/sshd.log" & SSHD_PID=$!
SSH="ssh -i $WORK/client_key -p $PORT -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
for _ in $(seq 50); do $SSH root@127.0.0.1 true 2>/dev/null && break; sleep 0.1; done

# The tree, its config and the password.
TREE="$WORK/tree"
entries=$(python3 "$root/bench/gen_tree.py" files "$TREE" "$TREE_DIRS" "$TREE_FILES")
dd if=/dev/urandom of="$TREE/big.bin" bs=1M count="$BIG_MIB" status=none
echo "nightly benchmark password" > "$WORK/pass"
"$RC" init --reverse --scryptn 10 --passfile "$WORK/pass" "$TREE" >/dev/null 2>&1
export RESTIC_PASSWORD_FILE="$WORK/pass"
RESTIC_REPO="sftp:root@127.0.0.1:$WORK/dest/restic"
RESTIC_OPT=(-o "sftp.command=$SSH root@127.0.0.1 -s sftp")
log "tree: $entries entries + ${BIG_MIB} MiB file; destinations on $DEST_FS; $RUNS runs"

# With PHASES=1 our run's "phases" (backup --json) go to stderr, one line per run.
# shellcheck disable=SC2086
ours() {
    if [ -n "$PHASES" ]; then
        "$RC" backup --snapshots --json $OURS_OPTS --passfile "$WORK/pass" --ssh "$SSH" "$TREE" "root@127.0.0.1:$WORK/dest/ours" \
            | python3 -c 'import json, sys; s = json.load(sys.stdin); print("    ours: " + s["run"] + " " + " ".join(f"{k} {v:.2f}" for k, v in s["phases"].items()), file=sys.stderr)'
    else
        "$RC" backup --snapshots $OURS_OPTS --passfile "$WORK/pass" --ssh "$SSH" "$TREE" "root@127.0.0.1:$WORK/dest/ours" >/dev/null
    fi
}
theirs() {
    mkdir -p "$WORK/mnt-theirs"
    # The same config (ours is gocryptfs's format): the recipe encrypts to the same bytes.
    gocryptfs -q -nosyslog -reverse -ro -passfile "$WORK/pass" "$TREE" "$WORK/mnt-theirs"
    local name prev
    name=$(date -u +%Y-%m-%dT%H%M%S.%NZ)
    prev=$($SSH root@127.0.0.1 "mkdir -p $WORK/dest/theirs && ls -1 $WORK/dest/theirs | tail -n1")
    rsync -aHAX --numeric-ids --delete -e "$SSH" ${prev:+--link-dest="../$prev"} "$WORK/mnt-theirs/" "root@127.0.0.1:$WORK/dest/theirs/$name/"
    fusermount3 -u "$WORK/mnt-theirs"
}
restic_job() { restic -q -r "$RESTIC_REPO" "${RESTIC_OPT[@]}" backup "$TREE" >/dev/null; }
has_job restic_job && restic -q -r "$RESTIC_REPO" "${RESTIC_OPT[@]}" init >/dev/null

declare -A first
for job in ours theirs restic_job; do first[$job]=-; done
for job in $JOBS; do s=$(now); $job; first[$job]=$(since "$s"); log "  first backup: $job ${first[$job]} s"; done

change_block() {
    python3 - "$TREE/big.bin" <<'PY'
import os, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(4096 * (os.getpid() % 1000 + 10))
    f.write(os.urandom(4096))
PY
}

declare -A unchanged oneblock disk
for job in ours theirs restic_job; do unchanged[$job]=""; oneblock[$job]=""; disk[$job]=""; done
for run in $(seq "$RUNS"); do
    for job in $JOBS; do s=$(now); $job; unchanged[$job]+="$(since "$s") "; done
    change_block
    for job in $JOBS; do
        u=$(used); s=$(now); $job; t=$(since "$s"); d=$(( $(used) - u ))
        oneblock[$job]+="$t "; disk[$job]+="$d "
        # The other jobs back up the same changed tree; each measures its own snapshot of the change.
    done
    log "  run $run: unchanged ${unchanged[ours]}| ${unchanged[theirs]}| ${unchanged[restic_job]}; one block ${oneblock[ours]}| ${oneblock[theirs]}| ${oneblock[restic_job]}"
done

printf '\n%-44s %12s %12s %12s %12s %12s\n' "figure (median of $RUNS; first: one run)" ours gocryptfs restic "ours/restic" "ours/gcfs"
row() {
    printf '%-44s %12s %12s %12s %12s %12s\n' "$1" "$2" "$3" "$4" "$(ratio "$2" "$4")" "$(ratio "$2" "$3")"
}
row "first backup (s)" "${first[ours]}" "${first[theirs]}" "${first[restic_job]}"
# shellcheck disable=SC2086
row "nightly, nothing changed (s)" "$(median ${unchanged[ours]})" "$(median ${unchanged[theirs]})" "$(median ${unchanged[restic_job]})"
# shellcheck disable=SC2086
row "nightly, one 4 KiB block changed (s)" "$(median ${oneblock[ours]})" "$(median ${oneblock[theirs]})" "$(median ${oneblock[restic_job]})"
# shellcheck disable=SC2086
row "disk used by that snapshot (MB, $DEST_FS)" "$(mb "$(median ${disk[ours]})")" "$(mb "$(median ${disk[theirs]})")" "$(mb "$(median ${disk[restic_job]})")"
