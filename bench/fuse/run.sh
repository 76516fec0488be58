#!/usr/bin/env bash
# FUSE library benchmark (not a test): measures
#   1. dd of a 1 GiB generated file through the page cache (buffered reads, every run through FUSE), served by the
#      sample samples/HelloFs; plus the same with direct I/O and with keep-cache (re-reads served from the page cache
#      alone), served by the test server tests/ReverseCrypt.Fuse.TestServer (the sample has no such options);
#   2. ls -l of a 100,000-entry directory served by the sample (no xattr support), against the same listing on ext4
#      (the filesystem of $WORK), and served by the test server with xattrs (ls asks two per entry).
# Prints every run, the median of RUNS runs and the ratios. Run as root on an otherwise idle machine.
#   RUNS=5 bench/fuse/run.sh
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
RUNS="${RUNS:-5}"
ENTRIES="${ENTRIES:-100000}"
SIZE="${SIZE:-1073741824}"
ART="${ART:-/tmp/reversecrypt-bench-artifacts}"
WORK="$(mktemp -d /var/tmp/rc-fuse-bench.XXXXXX)"
MNT="$WORK/mnt"
mkdir -p "$MNT"

cleanup() {
    while grep -q " $MNT " /proc/self/mountinfo; do umount -l "$MNT" || break; done
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "building the sample and the test server (Release) into $ART ..."
dotnet build "$root/samples/HelloFs/HelloFs.csproj" -c Release -p:ArtifactsPath="$ART" -v q -nologo >/dev/null
dotnet build "$root/tests/ReverseCrypt.Fuse.TestServer/ReverseCrypt.Fuse.TestServer.csproj" -c Release \
    -p:ArtifactsPath="$ART" -v q -nologo >/dev/null
HELLOFS="$ART/bin/HelloFs/release/HelloFs"
TESTSERVER="$ART/bin/ReverseCrypt.Fuse.TestServer/release/ReverseCrypt.Fuse.TestServer"

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# mount_server PROGRAM [OPTION...]: the sample or the test server, in the background (returns once mounted).
mount_server() { "$1" "$MNT" --size "$SIZE" --entries "$ENTRIES" --background "${@:2}" >/dev/null; }
unmount_server() { umount "$MNT"; while grep -q " $MNT " /proc/self/mountinfo; do sleep 0.1; done; }

# dd prints "N bytes (...) copied, S s, R GB/s": recompute GB/s from bytes and seconds.
dd_gbps() { dd if="$1" of=/dev/null bs=1M "${@:2}" 2>&1 | awk '/copied/ { printf "%.2f\n", $1 / $(NF-3) / 1e9 }'; }

read_series() {
    local label="$1"; shift
    mount_server "$@"
    dd_gbps "$MNT/big" >/dev/null   # warm-up: JIT, and the first touch of fresh guest memory in a VM
    local runs=()
    for _ in $(seq "$RUNS"); do runs+=("$(dd_gbps "$MNT/big")"); done
    unmount_server
    local med; med=$(printf '%s\n' "${runs[@]}" | median)
    printf '%-28s runs: %s GB/s   median %s GB/s\n' "$label" "${runs[*]}" "$med" >&2
    echo "$med"
}

echo "== read 1 GiB (dd bs=1M), $RUNS runs after one warm-up"
buffered=$(read_series "sample, buffered" "$HELLOFS")
direct=$(read_series "test server, direct-io" "$TESTSERVER" --direct-io)
cached=$(read_series "test server, keep-cache" "$TESTSERVER" --keep-cache)
head -c "$SIZE" /dev/zero > "$WORK/ext4.bin"
dd_gbps "$WORK/ext4.bin" >/dev/null
ext4_runs=(); for _ in $(seq "$RUNS"); do ext4_runs+=("$(dd_gbps "$WORK/ext4.bin")"); done
ext4_read=$(printf '%s\n' "${ext4_runs[@]}" | median)
rm -f "$WORK/ext4.bin"
printf '%-28s runs: %s GB/s   median %s GB/s\n' "ext4 page cache" "${ext4_runs[*]}" "$ext4_read"

echo "== ls -l of $ENTRIES entries, $RUNS runs after one warm-up"
mkdir "$WORK/ext4dir"
(cd "$WORK/ext4dir" && seq -f 'f%06g' 0 $((ENTRIES - 1)) | while read -r name; do echo "$name" > "$name"; done)
time_ls() { local s e; s=$(date +%s.%N); ls -l "$1" >/dev/null; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ls_series() {
    local label="$1" dir="$2"; shift 2
    time_ls "$dir" >/dev/null
    local runs=()
    for _ in $(seq "$RUNS"); do runs+=("$(time_ls "$dir")"); done
    local med; med=$(printf '%s\n' "${runs[@]}" | median)
    printf '%-28s runs: %s s   median %s s\n' "$label" "${runs[*]}" "$med" >&2
    echo "$med"
}
ext4_ls=$(ls_series "ext4" "$WORK/ext4dir")
mount_server "$HELLOFS"
sample_ls=$(ls_series "sample (no xattr support)" "$MNT/many")
unmount_server
mount_server "$TESTSERVER"
xattr_ls=$(ls_series "test server, xattrs served" "$MNT/many")
unmount_server

echo "== summary (medians)"
printf 'read 1 GiB buffered, sample         %s GB/s (target >= 2.5)\n' "$buffered"
printf 'read 1 GiB direct-io, test server   %s GB/s\n' "$direct"
printf 'read 1 GiB keep-cache, test server  %s GB/s (page cache only; ext4 page cache %s GB/s)\n' "$cached" "$ext4_read"
printf 'ls -l %s entries: ext4 %s s, sample %s s (ratio %s; target ratio <= 2), test server with xattrs %s s (ratio %s)\n' \
    "$ENTRIES" "$ext4_ls" "$sample_ls" "$(ratio "$sample_ls" "$ext4_ls")" "$xattr_ls" "$(ratio "$xattr_ls" "$ext4_ls")"
