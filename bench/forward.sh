# Target 5 of the performance issue, sourced by bench/run.sh (uses its variables and helpers):
#   forward mount (`reversecrypt mount CIPHERDIR MNT`) sequential read of a backup copy vs `gocryptfs -ro`, and
#   `reversecrypt restore` of the 100,000-file tree vs `gocryptfs -ro` + `cp -a`.
# The copies are made through our reverse view with rsync -aHAX (byte-identical to gocryptfs -reverse but for hard
# links), and read once so that both sides start from the page cache.

FBIG="$WORK/plain-fbig"
COPY_BIG="$WORK/copy-big"
COPY_TREE="$WORK/copy-tree"
mkdir -p "$FBIG"
log "== forward: making a backup copy of a $BIG_MIB MiB file and of the $tree_entries-entry tree through the reverse view"
head -c "$((BIG_MIB * 1048576))" /dev/urandom > "$FBIG/big.bin"
init_config "$FBIG"
mount_ours "$FBIG" "$MNT_OURS"
rsync -aHAX "$MNT_OURS/" "$COPY_BIG/"
unmount "$MNT_OURS"
rm -rf "$FBIG"
mount_ours "$TREE" "$MNT_OURS"
rsync -aHAX "$MNT_OURS/" "$COPY_TREE/"
unmount "$MNT_OURS"
find "$COPY_BIG" "$COPY_TREE" -type f -exec cat {} + > /dev/null

log "   forward read: dd bs=1M through a fresh mount of the copy, $RUNS runs each, alternating (load $(load))"
ours=(); theirs=(); ratios=()
for _ in $(seq "$RUNS"); do
    "$RC" mount --passfile "$PASS" "$COPY_BIG" "$MNT_OURS" >/dev/null
    o=$(dd_mbps "$(big_file_in "$MNT_OURS")")
    unmount "$MNT_OURS"
    gocryptfs -q -nosyslog -ro -passfile "$PASS" "$COPY_BIG" "$MNT_THEIRS" >/dev/null
    t=$(dd_mbps "$(big_file_in "$MNT_THEIRS")")
    unmount "$MNT_THEIRS"
    ours+=("$o"); theirs+=("$t"); ratios+=("$(ratio "$o" "$t")")
    log "  ours $o MB/s, gocryptfs -ro $t MB/s, ratio ${ratios[-1]}"
done
record forward "forward mount, ${BIG_MIB} MiB sequential, fresh (MB/s, median)" \
    "$(printf '%s\n' "${ours[@]}" | median)" "$(printf '%s\n' "${theirs[@]}" | median)" \
    "$(printf '%s\n' "${ratios[@]}" | median)" ">= 3x"

log "   restore of the tree: reversecrypt restore vs gocryptfs -ro + cp -a (mount included), $RUNS runs each (load $(load))"
ours=(); theirs=(); ratios=()
for i in $(seq "$RUNS"); do
    rm -rf "$WORK/restore-ours" "$WORK/restore-theirs"
    sync
    s=$(now); "$RC" restore --passfile "$PASS" "$COPY_TREE" "$WORK/restore-ours" >/dev/null; o=$(since "$s")
    sync
    s=$(now)
    gocryptfs -q -nosyslog -ro -passfile "$PASS" "$COPY_TREE" "$MNT_THEIRS" >/dev/null
    cp -a "$MNT_THEIRS/." "$WORK/restore-theirs"
    t=$(since "$s")
    unmount "$MNT_THEIRS"
    # The plaintext's own config (.gocryptfs.reverse.conf) is the copy's gocryptfs.conf, not restored as a file.
    if [ "$i" -eq 1 ] && ! diff -r --no-dereference -x .gocryptfs.reverse.conf "$TREE" "$WORK/restore-ours" > "$WORK/restore.diff" 2>&1; then
        log "   WARNING: the restored tree differs from the plaintext: $(head -n 3 "$WORK/restore.diff" | tr '\n' ' ')"
    fi
    ours+=("$o"); theirs+=("$t"); ratios+=("$(ratio "$o" "$t")")
    log "  restore $o s, gocryptfs -ro + cp -a $t s, time ratio ${ratios[-1]}"
done
record forward "restore of the $tree_entries-entry tree (s, median; lower is better)" \
    "$(printf '%s\n' "${ours[@]}" | median)" "$(printf '%s\n' "${theirs[@]}" | median)" \
    "$(printf '%s\n' "${ratios[@]}" | median)" "<= 0.5x"
rm -rf "$WORK/restore-ours" "$WORK/restore-theirs" "$COPY_BIG" "$COPY_TREE"
