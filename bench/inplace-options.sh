#!/usr/bin/env bash
# rsync options for the one-block nightly run's largest step (a benchmark, never a test): one 4 KiB block of a large
# file changed, rsync --inplace --no-whole-file from a freshly mounted reverse view over a private sshd on 127.0.0.1
# into a loop-mounted btrfs, as `backup --snapshots` runs it into a clone; -I makes every round run the delta
# algorithm, and the destination's block is changed again before each round. Variants alternate within a round.
#
#   bench/inplace-options.sh                       256 MiB, 3 rounds, default vs block sizes vs checksum choices
#   ROUNDS=6 VARIANTS="default|--block-size=131072" bench/inplace-options.sh
#
# Prints seconds, literal data, bytes sent and received, and the load average per run. Needs root, rsync, sshd,
# mkfs.btrfs, fusermount3, python3. RC=/path/to/reversecrypt uses a prebuilt CLI (default: the repository launcher).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
RC="${RC:-$root/reversecrypt}"
ROUNDS="${ROUNDS:-3}"
BIG_MIB="${BIG_MIB:-256}"
VARIANTS="${VARIANTS:-default|--block-size=65536|--block-size=131072|--checksum-choice=xxh3|--checksum-choice=md5}"
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }
W="$(mktemp -d "${BENCH_TMP:-/var/tmp}/rc-inplace.XXXXXX")"
SSHD_PID=""
cleanup() {
    set +e
    mountpoint -q "$W/view" && fusermount3 -u "$W/view"
    [ -n "$SSHD_PID" ] && kill "$SSHD_PID"
    mountpoint -q "$W/dest" && umount "$W/dest"
    rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/plain" "$W/view" "$W/dest" /run/sshd
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ssh-keygen -q -t ed25519 -N '' -f "$W/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$W/client_key"
cp "$W/client_key.pub" "$W/authorized_keys"
printf '%s\n' "Port $PORT" "ListenAddress 127.0.0.1" "HostKey $W/host_key" "AuthorizedKeysFile $W/authorized_keys" \
    "PermitRootLogin prohibit-password" "PasswordAuthentication no" "StrictModes no" "PidFile $W/sshd.pid" > "$W/sshd_config"
/usr/sbin/sshd -D -f "$W/sshd_config" -E "$W/sshd.log" & SSHD_PID=$!
SSH="ssh -i $W/client_key -p $PORT -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
for _ in $(seq 50); do $SSH root@127.0.0.1 true 2>/dev/null && break; sleep 0.1; done

dd if=/dev/urandom of="$W/plain/big.bin" bs=1M count="$BIG_MIB" status=none
echo "inplace benchmark password" > "$W/pass"
"$RC" init --reverse --scryptn 10 --passfile "$W/pass" "$W/plain" >/dev/null 2>&1
truncate -s $(( BIG_MIB * 4 + 1024 ))M "$W/dest.img"
mkfs.btrfs -q "$W/dest.img" >/dev/null 2>&1
mount -o loop "$W/dest.img" "$W/dest"
"$RC" mount --reverse --passfile "$W/pass" "$W/plain" "$W/view"
name=$(ls "$W/view" | grep -v -e '^gocryptfs\.')
rsync -a "$W/view/" "$W/dest/copy/"
base=(-aHAX --numeric-ids --no-h --inplace --no-whole-file -I --compress --compress-choice=zstd --compress-level=1 --stats)
IFS='|' read -r -a variants <<< "$VARIANTS"
for round in $(seq "$ROUNDS"); do
    for v in "${variants[@]}"; do
        opt=(); [ "$v" = default ] || read -r -a opt <<< "$v"
        dd if=/dev/urandom of="$W/dest/copy/$name" bs=4096 seek=$(( 1000 + round * 7 )) count=1 conv=notrunc status=none
        sync
        s=$(date +%s.%N)
        out=$(rsync "${base[@]}" "${opt[@]}" -e "$SSH" "$W/view/" "root@127.0.0.1:$W/dest/copy/")
        t=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$s" "$(date +%s.%N)")
        field() { echo "$out" | awk -F': ' -v k="$1" '$1 == k {print $2}' | awk '{print $1}'; }
        echo "round $round | $v | ${t} s | literal $(field 'Literal data') sent $(field 'Total bytes sent') received $(field 'Total bytes received') | load $(cut -d' ' -f1 /proc/loadavg)"
    done
done
