#!/usr/bin/env bash
# ReverseCrypt performance suite (a benchmark, never a test): measures ReverseCrypt and gocryptfs side by side on
# the same generated data in one run, prints every figure, the medians and the ratios, and cleans up after itself.
#
#   bench/run.sh                       everything (about 10-15 minutes on a 2-core VM)
#   RUNS=5 bench/run.sh                medians of 5 runs instead of 3
#   ONLY="read find" bench/run.sh      some sections only: crypto read find rsync memory startup forward
#   QUICK=1 bench/run.sh               smaller data (a smoke test of the script itself, figures meaningless)
#
# Sections and the performance issue's targets:
#   crypto   AES-SIV-512, 4 KiB blocks, one thread, vs `gocryptfs -speed`            target ratio >= 4
#   read     dd bs=1M of a 1 GiB file through the reverse view, freshly mounted        target ratio >= 6
#   find     find -printf '%s %m %T@' over 100,000 files in 100 directories, fresh    target time ratio <= 0.25
#   rsync    rsync -aHAX of the unchanged 100,000-file tree to a copy, fresh mount      target time ratio <= 0.5
#   nightly  the whole nightly job over that unchanged tree: `reversecrypt backup` (mount, rsync, unmount) against
#            mounting gocryptfs -reverse, the same rsync (-aHAX --numeric-ids --delete) and unmounting
#   memory   time per entry of a 1,000,000-entry walk against the 100,000-file walk (ratio <= 1.5); daemon RSS
#            walking the 1,000,000-entry tree, after the kernel forgets, over WALKS walks (< 150 MiB)
#   startup  `mount --reverse --masterkey` until the mount answers                    target < 0.5 s
#   forward  forward mount read and restore vs `gocryptfs -ro` (+ cp -a), when the CLI has them
#
# Transports: where the kernel has FUSE over io_uring (/sys/module/fuse/parameters/enable_uring exists), the suite
# switches it on for the run (and back afterwards) and measures read, find and rsync twice: ReverseCrypt on /dev/fuse
# (`--no-io-uring`, what a default kernel gives) and over io_uring. gocryptfs (go-fuse) does not use io_uring.
# URING=off measures /dev/fuse only. The other sections use the CLI's default (io_uring when switched on).
#
# Needs root (mounts, drop_caches), gocryptfs, rsync, fusermount3, setfacl, python3, the .NET SDK.
# RC=/path/to/reversecrypt uses a prebuilt CLI; by default the repository launcher builds it (when sources changed)
# and the suite runs a private copy of the build.
# BENCH_TMP=DIR puts the generated data (about 2 GiB and 1.1 million inodes) under DIR (default /var/tmp).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
RUNS="${RUNS:-3}"
WALKS="${WALKS:-10}"
ONLY="${ONLY:-crypto read find rsync nightly memory startup forward}"
RC="${RC:-}"
if [ -n "${QUICK:-}" ]; then
    BIG_MIB="${BIG_MIB:-64}"; TREE_DIRS="${TREE_DIRS:-10}"; TREE_FILES="${TREE_FILES:-100}"
    MILLION_DIRS="${MILLION_DIRS:-20}"; MILLION_FILES="${MILLION_FILES:-500}"; WALKS="${QUICK_WALKS:-2}"
fi
BIG_MIB="${BIG_MIB:-1024}"
TREE_DIRS="${TREE_DIRS:-100}"
TREE_FILES="${TREE_FILES:-1000}"
MILLION_DIRS="${MILLION_DIRS:-1000}"
MILLION_FILES="${MILLION_FILES:-1000}"

for tool in gocryptfs rsync fusermount3 setfacl python3 dd find awk; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 40; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (mounts, drop_caches)" >&2; exit 1; }

WORK="$(mktemp -d "${BENCH_TMP:-/var/tmp}/rc-bench.XXXXXX")"
URING_PARAM=/sys/module/fuse/parameters/enable_uring
URING_BEFORE=""
MODES="dev"
if [ "${URING:-on}" != off ] && [ -w "$URING_PARAM" ]; then
    URING_BEFORE="$(cat "$URING_PARAM")"
    echo Y > "$URING_PARAM"
    MODES="dev uring"
fi
PASS="$WORK/passfile"
RESULTS="$WORK/results"
BGPIDS=()

cleanup() {
    local rc=$?
    set +e
    local mnt
    for mnt in $(awk -v w="$WORK/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || fusermount3 -uz "$mnt" 2>/dev/null
    done
    local pid
    for pid in "${BGPIDS[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ -f "$RESULTS" ] && [ "$rc" -ne 0 ]; then
        echo "== results so far"; cat "$RESULTS"
    fi
    rm -rf "$WORK"
    if [ -n "$URING_BEFORE" ]; then echo "$URING_BEFORE" > "$URING_PARAM"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.3f\n", e - s }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.2f\n", a / b }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
wants() { [[ " $ONLY " == *" $1 "* ]]; }

# One line per figure: section | measurement | ours | gocryptfs | ratio | target
record() { printf '%-8s | %-58s | %12s | %12s | %8s | %s\n' "$@" | tee -a "$RESULTS"; }

is_mounted() { awk -v m="$1" '$5 == m { found = 1 } END { exit !found }' /proc/self/mountinfo; }

unmount() {
    local mnt="$1" i
    for i in $(seq 50); do
        is_mounted "$mnt" || return 0
        umount "$mnt" 2>/dev/null || sleep 0.1
    done
    umount -l "$mnt" 2>/dev/null || true
}

mount_ours() { "$RC" mount --reverse --passfile "$PASS" "$1" "$2" >/dev/null; }
# mount_ours_in MODE PLAIN MNT: MODE dev = /dev/fuse only, uring = FUSE over io_uring (switched on above).
mount_ours_in() {
    if [ "$1" = dev ]; then
        "$RC" mount --reverse --no-io-uring --passfile "$PASS" "$2" "$3" >/dev/null
    else
        "$RC" mount --reverse --passfile "$PASS" "$2" "$3" >/dev/null
    fi
}
mode_label() { if [ "$1" = dev ]; then echo "/dev/fuse"; else echo "io_uring"; fi; }

# mounted_ours / mounted_theirs PLAIN FN [ARG...]: FN MOUNTPOINT [ARG...] on a fresh mount, printing its figure.
mounted_ours() { local plain="$1" fn="$2" mode="${MODE:-${MODES##* }}"; shift 2; mount_ours_in "$mode" "$plain" "$MNT_OURS"; "$fn" "$MNT_OURS" "$@"; unmount "$MNT_OURS"; }
mounted_theirs() { local plain="$1" fn="$2"; shift 2; mount_theirs "$plain" "$MNT_THEIRS"; "$fn" "$MNT_THEIRS" "$@"; unmount "$MNT_THEIRS"; }

# compare SECTION LABEL TARGET PLAIN FN: RUNS alternating rounds; in each, FN MOUNTPOINT (which prints one figure)
# runs on a fresh mount of ours for each transport, then of gocryptfs. Records one row per transport (TRANSPORT in
# LABEL names it), each against the median of gocryptfs.
compare() {
    local section="$1" label="$2" target="$3" plain="$4" fn="$5" mode o t line om tm
    local theirs=()
    local -A ours_by=()
    for _ in $(seq "$RUNS"); do
        line=""
        for mode in $MODES; do
            o=$(MODE="$mode" mounted_ours "$plain" "$fn")
            ours_by[$mode]+="$o "
            line+="ours ($(mode_label "$mode")) $o, "
        done
        t=$(mounted_theirs "$plain" "$fn")
        theirs+=("$t")
        log "  ${line}gocryptfs $t"
    done
    tm="$(printf '%s\n' "${theirs[@]}" | median)"
    for mode in $MODES; do
        om="$(printf '%s\n' ${ours_by[$mode]} | median)"
        record "$section" "${label/TRANSPORT/$(mode_label "$mode")}" "$om" "$tm" "$(ratio "$om" "$tm")" "$target"
    done
    # For rows derived from this comparison: the medians of gocryptfs and of ours on the last transport.
    THEIRS_MEDIAN="$tm"
    OURS_MEDIAN="$om"
}

# Figures: MB/s of the largest file of a view; seconds of a find; seconds of an rsync of a tree into a copy named
# after the tree's mountpoint (or after $2), kept between runs so that later runs see an unchanged tree.
read_mbps() { dd_mbps "$(big_file_in "$1")"; }
timed_find() { local s; s=$(now); find_walk "$1"; since "$s"; }
# CPU time (user + system, s) of the find process itself: the kernel's work of creating a dentry and an inode per
# entry and answering its stat runs there, whatever the daemon does.
find_cpu() { bash -c 'find "$1" -printf "%s %m %T@\n" > /dev/null; times' _ "$1" | awk 'NR == 2 { gsub(/[ms]/, " "); printf "%.3f\n", $1 * 60 + $2 + $3 * 60 + $4 }'; }
timed_rsync() { local s; s=$(now); rsync -aHAX "$1/" "$WORK/dest-${2:-$(basename "$1")}/"; since "$s"; }
timed_rsync_pinned() { local s; s=$(now); taskset -c 0 rsync -aHAX "$1/" "$WORK/dest-$(basename "$1")/"; since "$s"; }
mount_theirs() { gocryptfs -q -nosyslog -reverse -passfile "$PASS" "$1" "$2" >/dev/null; }

# The largest regular file directly in a mounted view (the encrypted name of the 1 GiB file).
big_file_in() { find "$1" -maxdepth 1 -type f -size +1M -printf '%p\n' | head -n1; }

# MB/s (10^6 bytes per second) of dd bs=1M from $1.
dd_mbps() { dd if="$1" of=/dev/null bs=1M 2>&1 | awk '/copied/ { printf "%.0f\n", $1 / $(NF-3) / 1e6 }'; }

mkdir -p "$WORK/mnt-ours" "$WORK/mnt-theirs"
MNT_OURS="$WORK/mnt-ours"
MNT_THEIRS="$WORK/mnt-theirs"
echo "benchmark-password" > "$PASS"
: > "$RESULTS"

if [ -z "$RC" ]; then
    # Build with the launcher (only when sources changed), then run a private copy: a rebuild started by anyone
    # while the suite runs cannot change the program under measurement.
    log "== building the CLI (Release) with the launcher"
    "$root/reversecrypt" --version >/dev/null
    cp -a "$root/.build/cli" "$WORK/cli"
    RC="$WORK/cli/reversecrypt"
fi
log "== CLI: $RC ($("$RC" --version))"

cpu="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
aes="$(grep -qw aes /proc/cpuinfo && echo AES-NI || echo no-AES-NI)"
log "machine: $(nproc) x $cpu ($aes), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r), $(gocryptfs -version | head -n1 | cut -d';' -f1)"
log "data under $WORK; RUNS=$RUNS; load at start: $(load)"

init_config() { "$RC" init --reverse --scryptn 10 --passfile "$PASS" "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------------------- crypto
if wants crypto; then
    log "== crypto: reversecrypt speed --compare-gocryptfs, $RUNS runs (load $(load))"
    ours=(); theirs=(); ratios=()
    for _ in $(seq "$RUNS"); do
        out="$("$RC" speed --compare-gocryptfs)"
        o=$(echo "$out" | awk '/^AES-SIV-512 encrypt/ { print $(NF-1); exit }')
        t=$(echo "$out" | awk '/^gocryptfs AES-SIV-512/ { print $(NF-1); exit }')
        ours+=("$o"); theirs+=("$t"); ratios+=("$(ratio "$o" "$t")")
        log "  ours $o MB/s, gocryptfs $t MB/s, ratio ${ratios[-1]}"
    done
    record crypto "AES-SIV-512 4 KiB blocks, 1 thread (MB/s, median)" \
        "$(printf '%s\n' "${ours[@]}" | median)" "$(printf '%s\n' "${theirs[@]}" | median)" \
        "$(printf '%s\n' "${ratios[@]}" | median)" ">= 4x"
fi

# ------------------------------------------------------------------------------------------------------------ read
if wants read; then
    BIG="$WORK/plain-big"
    mkdir -p "$BIG"
    log "== read: generating a $BIG_MIB MiB file"
    head -c "$((BIG_MIB * 1048576))" /dev/urandom > "$BIG/big.bin"
    sync  # written back before any measurement: writeback during the first reads made them 2-4x slower
    init_config "$BIG"
    log "   dd bs=1M through a fresh mount, $RUNS runs each, alternating (load $(load))"
    compare read "${BIG_MIB} MiB sequential, fresh mount, TRANSPORT (MB/s, median)" ">= 6x" "$BIG" read_mbps
    mount_ours "$BIG" "$MNT_OURS"
    read_mbps "$MNT_OURS" >/dev/null
    record read "same file re-read, page cache (MB/s)" "$(read_mbps "$MNT_OURS")" "-" "-" "info"
    unmount "$MNT_OURS"
    rm -rf "$BIG"
fi

# ------------------------------------------------------------------------------------ the 100,000-file tree (find, rsync)
TREE="$WORK/plain-tree"
tree_entries=0
if wants find || wants rsync || wants nightly || wants memory || wants forward; then
    log "== generating $TREE_DIRS x $TREE_FILES files"
    tree_entries=$(python3 "$root/bench/gen_tree.py" files "$TREE" "$TREE_DIRS" "$TREE_FILES")
    init_config "$TREE"
    log "   $tree_entries entries"
fi

find_walk() { find "$1" -printf '%s %m %T@\n' > /dev/null; }

if wants find; then
    log "== find -printf '%s %m %T@' over $tree_entries entries, fresh mount each run (load $(load))"
    find_walk "$TREE"
    compare find "find over $tree_entries entries, TRANSPORT (s, median)" "<= 0.25x" "$TREE" timed_find
    theirs_find="$THEIRS_MEDIAN"
    compare find "find's own CPU time in that walk, TRANSPORT (s, median)" "info" "$TREE" find_cpu
    record find "floor: find's own CPU time / gocryptfs's find time" "$OURS_MEDIAN" "$theirs_find" \
        "$(ratio "$OURS_MEDIAN" "$theirs_find")" "info"
    ext4=(); for _ in $(seq "$RUNS"); do ext4+=("$(timed_find "$TREE")"); done
    record find "same find on ext4 (the plaintext itself)" "$(printf '%s\n' "${ext4[@]}" | median)" "-" "-" "info"
fi

if wants rsync; then
    log "== rsync -aHAX of $tree_entries entries (load $(load))"
    s=$(now); rsync -aHAX "$TREE/" "$WORK/dest-ext4/"; first_ext4=$(since "$s")
    first_ours=$(mounted_ours "$TREE" timed_rsync)
    first_theirs=$(mounted_theirs "$TREE" timed_rsync)
    log "   first copy: ext4 $first_ext4 s, ours $first_ours s, gocryptfs $first_theirs s"
    # The copies must be byte-identical except hard-linked files, whose IVs ReverseCrypt derives from each link's
    # own path (docs/format.md 18) where gocryptfs uses the first-opened link's.
    differing=0; hardlinked=0
    while IFS= read -r line; do
        differing=$((differing + 1))
        f="$(printf '%s\n' "$line" | awk '$1 == "Files" { print $2 }')"
        if [ -n "$f" ] && [ "$(stat -c %h "$f")" -gt 1 ]; then hardlinked=$((hardlinked + 1)); fi
    done < <(diff -rq --no-dereference "$WORK/dest-mnt-ours" "$WORK/dest-mnt-theirs" || true)
    if [ "$differing" -ne "$hardlinked" ]; then
        log "   WARNING: the two encrypted copies differ in $((differing - hardlinked)) entries that are not hard links"
    else
        log "   the two encrypted copies are identical except $hardlinked hard-linked files (by design, docs/format.md 18)"
    fi
    record rsync "first copy of the tree (s, one run)" "$first_ours" "$first_theirs" "$(ratio "$first_ours" "$first_theirs")" "info"
    compare rsync "rsync -aHAX, tree unchanged, TRANSPORT (s, median)" "<= 0.5x" "$TREE" timed_rsync
    ext4=(); for _ in $(seq "$RUNS"); do ext4+=("$(timed_rsync "$TREE" ext4)"); done
    record rsync "same rsync on ext4 (plaintext to plaintext copy)" "$(printf '%s\n' "${ext4[@]}" | median)" "-" "-" "info"
    # Where the time goes: FUSE round trips (two uncached xattr queries per file) and their wake-ups across CPUs. The
    # same runs with rsync (only rsync) pinned to one CPU, for both filesystems: what `backup` does over io_uring.
    if command -v taskset >/dev/null; then
        compare rsync "same, rsync pinned to one CPU, TRANSPORT (s, median)" "info" "$TREE" timed_rsync_pinned
    fi
    rm -rf "$WORK/dest-ext4" "$WORK/dest-mnt-ours" "$WORK/dest-mnt-theirs"
fi

if wants nightly; then
    log "== nightly job over the unchanged $tree_entries-entry tree, $RUNS runs each, alternating (load $(load))"
    nightly_ours() { "$RC" backup --passfile "$PASS" "$TREE" "$WORK/nightly-ours" >/dev/null; }
    nightly_theirs() {
        mount_theirs "$TREE" "$MNT_THEIRS"
        rsync -aHAX --numeric-ids --delete "$MNT_THEIRS/" "$WORK/nightly-theirs/"
        unmount "$MNT_THEIRS"
    }
    nightly_ours; nightly_theirs   # the first, full copies
    ours=(); theirs=()
    for _ in $(seq "$RUNS"); do
        s=$(now); nightly_ours; o=$(since "$s")
        s=$(now); nightly_theirs; t=$(since "$s")
        ours+=("$o"); theirs+=("$t")
        log "  reversecrypt backup $o s, gocryptfs -reverse + rsync $t s, time ratio $(ratio "$o" "$t")"
    done
    om="$(printf '%s\n' "${ours[@]}" | median)"; tm="$(printf '%s\n' "${theirs[@]}" | median)"
    record nightly "whole job, unchanged tree, mount to unmount (s, median)" "$om" "$tm" "$(ratio "$om" "$tm")" "<= 0.5x"
    rm -rf "$WORK/nightly-ours" "$WORK/nightly-theirs"
fi

# ---------------------------------------------------------------------------------------------------------- memory
kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$2/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f\n", k / 1024 }'; }

wait_mounted() {
    local mnt="$1" pid="$2" i
    for i in $(seq 600); do
        if is_mounted "$mnt" && stat "$mnt" >/dev/null 2>&1; then return 0; fi
        kill -0 "$pid" 2>/dev/null || { log "   the daemon exited before mounting"; return 1; }
        sleep 0.1
    done
    return 1
}

forget_all() { sync; echo 2 > /proc/sys/vm/drop_caches; sleep 3; }

if wants memory; then
    MILLION="$WORK/plain-million"
    log "== generating $MILLION_DIRS x $MILLION_FILES empty files"
    s=$(now)
    million_entries=$(python3 "$root/bench/gen_tree.py" empty "$MILLION" "$MILLION_DIRS" "$MILLION_FILES")
    init_config "$MILLION"
    log "   $million_entries entries in $(since "$s") s"
    find_walk "$MILLION"

    # Scale: the same walk over 100,000 and 1,000,000 entries under the same conditions (fresh mounts, plaintext
    # metadata cached: walked on ext4 just before), alternating.
    log "== scale: walks of $tree_entries and $million_entries entries, fresh mount each, $RUNS runs (load $(load))"
    find_walk "$TREE"
    find_walk "$MILLION"
    per_small=(); per_large=()
    for _ in $(seq "$RUNS"); do
        mount_ours "$TREE" "$MNT_OURS"
        s=$(now); find_walk "$MNT_OURS"; ws=$(since "$s")
        unmount "$MNT_OURS"
        mount_ours "$MILLION" "$MNT_OURS"
        s=$(now); find_walk "$MNT_OURS"; wl=$(since "$s")
        unmount "$MNT_OURS"
        per_small+=("$(awk -v t="$ws" -v n="$tree_entries" 'BEGIN { printf "%.2f", t / n * 1e6 }')")
        per_large+=("$(awk -v t="$wl" -v n="$million_entries" 'BEGIN { printf "%.2f", t / n * 1e6 }')")
        log "  $tree_entries entries $ws s (${per_small[-1]} us each), $million_entries entries $wl s (${per_large[-1]} us each)"
    done
    ps_med="$(printf '%s\n' "${per_small[@]}" | median)"; pl_med="$(printf '%s\n' "${per_large[@]}" | median)"

    log "== memory: $WALKS walks of $million_entries entries, the kernel made to forget after each (load $(load))"
    "$RC" mount --reverse --foreground --passfile "$PASS" "$MILLION" "$MNT_OURS" > "$WORK/ours.log" 2>&1 &
    pid=$!
    BGPIDS+=("$pid")
    wait_mounted "$MNT_OURS" "$pid"
    start_rss=$(kib VmRSS "$pid")
    walk_times=(); peaks=(); after=()
    for i in $(seq "$WALKS"); do
        s=$(now); find_walk "$MNT_OURS"; w=$(since "$s")
        peak=$(kib VmHWM "$pid"); rss=$(kib VmRSS "$pid")
        forget_all
        low=$(kib VmRSS "$pid")
        walk_times+=("$w"); peaks+=("$(mib "$rss")"); after+=("$(mib "$low")")
        log "  walk $i: $w s; RSS at the end of the walk $(mib "$rss") MiB (peak so far $(mib "$peak") MiB), after the kernel forgot $(mib "$low") MiB"
    done
    hwm=$(mib "$(kib VmHWM "$pid")")
    unmount "$MNT_OURS"
    wait "$pid" 2>/dev/null || true

    log "   gocryptfs -reverse: one walk of the same tree"
    gocryptfs -q -nosyslog -fg -reverse -passfile "$PASS" "$MILLION" "$MNT_THEIRS" > "$WORK/theirs.log" 2>&1 &
    gpid=$!
    BGPIDS+=("$gpid")
    wait_mounted "$MNT_THEIRS" "$gpid"
    s=$(now); find_walk "$MNT_THEIRS"; gw=$(since "$s")
    grss=$(mib "$(kib VmRSS "$gpid")"); ghwm=$(mib "$(kib VmHWM "$gpid")")
    forget_all
    glow=$(mib "$(kib VmRSS "$gpid")")
    unmount "$MNT_THEIRS"
    wait "$gpid" 2>/dev/null || true
    log "   gocryptfs: walk $gw s, RSS $grss MiB (peak $ghwm MiB), after the kernel forgot $glow MiB"

    record memory "daemon peak RSS over $WALKS walks of $million_entries entries (MiB)" "$hwm" "$ghwm" "$(ratio "$hwm" "$ghwm")" "< 150 MiB"
    record memory "RSS after the kernel forgot, walk 1 / walk $WALKS (MiB)" "${after[0]} / ${after[-1]}" "$glow" "-" "falls, no growth"
    record memory "RSS at the end of walk 1 / walk $WALKS (MiB)" "${peaks[0]} / ${peaks[-1]}" "$grss" "-" "no growth"
    record memory "RSS when freshly mounted (MiB)" "$(mib "$start_rss")" "-" "-" "info"
    first_walk="${walk_times[0]}"
    record scale "walk of $million_entries entries, fresh mount (s)" "$first_walk" "$gw" "$(ratio "$first_walk" "$gw")" "completes"
    record scale "walks 2..$WALKS after the kernel forgot (s, median)" "$(printf '%s\n' "${walk_times[@]:1}" | median)" "-" "-" "info"
    record scale "time per entry, 1M walk / 100k walk (us, medians)" "$pl_med / $ps_med" "-" "$(ratio "$pl_med" "$ps_med")" "<= 1.5x"
    rm -rf "$MILLION"
fi

# --------------------------------------------------------------------------------------------------------- startup
if wants startup; then
    SMALL="$WORK/plain-small"
    mkdir -p "$SMALL" && echo hello > "$SMALL/hello.txt"
    init_config "$SMALL"
    key="$("$RC" masterkey --passfile "$PASS" "$SMALL" 2>/dev/null | grep -Eo '[0-9a-f]{8}(-[0-9a-f]{8}){7}' | head -n1)"
    log "== startup: mount --reverse --masterkey until the mount answers, $((RUNS + 2)) runs (load $(load))"
    ours=(); theirs=()
    for _ in $(seq "$((RUNS + 2))"); do
        s=$(now); "$RC" mount --reverse --masterkey "$key" "$SMALL" "$MNT_OURS" >/dev/null; o=$(since "$s")
        [ -n "$(ls "$MNT_OURS")" ]
        unmount "$MNT_OURS"
        s=$(now); gocryptfs -q -nosyslog -reverse -masterkey "$key" "$SMALL" "$MNT_THEIRS" >/dev/null 2>&1; t=$(since "$s")
        unmount "$MNT_THEIRS"
        ours+=("$o"); theirs+=("$t")
        log "  ours $o s, gocryptfs $t s"
    done
    mo="$(printf '%s\n' "${ours[@]}" | median)"; mt="$(printf '%s\n' "${theirs[@]}" | median)"
    record startup "mount until ready, --masterkey (s, median)" "$mo" "$mt" "$(ratio "$mo" "$mt")" "< 0.5 s"
fi

# --------------------------------------------------------------------------------------------------------- forward
# The forward mount (`mount CIPHERDIR MNT`) and `restore` belong to the forward-mode work; measured once both exist.
forward_ready() {
    "$RC" restore --help >/dev/null 2>&1 || return 1
    local plain="$WORK/probe-plain" copy="$WORK/probe-copy" ok=0
    mkdir -p "$plain" && echo probe > "$plain/probe.txt"
    init_config "$plain" && mount_ours "$plain" "$MNT_OURS" 2>/dev/null || { rm -rf "$plain"; return 1; }
    rsync -aHAX "$MNT_OURS/" "$copy/"
    unmount "$MNT_OURS"
    if "$RC" mount --passfile "$PASS" "$copy" "$MNT_OURS" >/dev/null 2>&1; then
        [ "$(cat "$MNT_OURS/probe.txt" 2>/dev/null)" = probe ] && ok=1
        unmount "$MNT_OURS"
    fi
    rm -rf "$plain" "$copy"
    [ "$ok" -eq 1 ]
}

if wants forward; then
    if ! forward_ready; then
        log "== forward: skipped (this CLI has no working forward mount and restore command yet)"
        record forward "forward mount read / restore" "n/a" "n/a" "-" "not measured yet"
    else
        # shellcheck source=bench/forward.sh
        . "$root/bench/forward.sh"
    fi
fi

echo
echo "== ReverseCrypt vs gocryptfs, $(date -u '+%Y-%m-%d %H:%M UTC'), RUNS=$RUNS, load at the end: $(load)"
printf '%-8s | %-58s | %12s | %12s | %8s | %s\n' section measurement ours gocryptfs ratio target
cat "$RESULTS"
