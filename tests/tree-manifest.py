#!/usr/bin/env python3
"""The independent oracle for tree comparisons: walks a directory tree with Python's own os.lstat, os.listxattr,
os.getxattr, os.readlink and plain reads on bytes paths (it shares no code with ReverseCrypt), and prints a canonical
manifest of it.

  tree-manifest.py [options] ROOT              one line per object, sorted by name bytes (text manifest)
  tree-manifest.py [options] --json ROOT       one JSON object per line (what the C# tests parse)
  tree-manifest.py [options] --compare A B     differences of B against A, one a line; exit 1 when there are any

Options:
  --skip-root NAME       leave NAME (and what is below it) out of the root; repeatable
  --tolerate-read-errors a file or link that cannot be read gets "!ERRNO" instead of failing the walk
  --no-content           do not read file contents (sha256 is "-")
  --ignore FIELD         with --compare: do not compare FIELD (owner, mtime, dirmtime, xattrs, links, nlink);
                         repeatable

Text manifest fields (tab separated): path type mode uid:gid rdev(major:minor) size mtime(sec.nsec) link-group
xattrs content. Names and values are bytes escaped as \\xNN outside printable ASCII (and for the backslash).
Hard-link groups name the first path (in byte order) of the non-directory objects that share (st_dev, st_ino)
with nlink > 1. xattrs include system.posix_acl_access/default (read like any other xattr). Never opens anything
but regular files and directories, so FIFOs and devices are never opened.
"""
import errno
import hashlib
import json
import os
import stat
import sys

TYPES = {
    stat.S_IFREG: "file",
    stat.S_IFDIR: "dir",
    stat.S_IFLNK: "symlink",
    stat.S_IFIFO: "fifo",
    stat.S_IFSOCK: "socket",
    stat.S_IFCHR: "chardev",
    stat.S_IFBLK: "blockdev",
}


def esc(data: bytes) -> str:
    out = []
    for b in data:
        if 0x20 < b < 0x7F and b != 0x5C:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def errname(e: OSError) -> str:
    return "!" + errno.errorcode.get(e.errno, str(e.errno))


def read_xattrs(path: bytes, tolerant: bool):
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError as e:
        if e.errno in (errno.EOPNOTSUPP, errno.ENOTSUP):
            return []
        raise
    result = []
    for name in sorted(n.encode("utf-8", "surrogateescape") for n in names):
        try:
            value = os.getxattr(path, name, follow_symlinks=False).hex()
        except OSError as e:
            if not tolerant:
                raise
            value = "?" + errname(e)[1:]
        result.append([name.hex(), value])
    return result


def hash_file(path: bytes, tolerant: bool) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as e:
        if tolerant:
            return errname(e)
        raise
    try:
        h = hashlib.sha256()
        while True:
            try:
                chunk = os.read(fd, 1 << 20)
            except OSError as e:
                if tolerant:
                    return errname(e)
                raise
            if not chunk:
                return h.hexdigest()
            h.update(chunk)
    finally:
        os.close(fd)


def walk(root: bytes, skip_root, tolerant: bool, content: bool):
    """Yields (relative path bytes, record) for the root (b"") and everything below it, in byte order."""
    def record(rel: bytes, full: bytes):
        st = os.lstat(full)
        kind = TYPES.get(stat.S_IFMT(st.st_mode), "?")
        sec, nsec = divmod(st.st_mtime_ns, 1_000_000_000)
        rec = {
            "path": rel.hex(),
            "type": kind,
            "mode": stat.S_IMODE(st.st_mode),
            "uid": st.st_uid,
            "gid": st.st_gid,
            "rdev_major": os.major(st.st_rdev) if kind in ("chardev", "blockdev") else 0,
            "rdev_minor": os.minor(st.st_rdev) if kind in ("chardev", "blockdev") else 0,
            "size": st.st_size,
            "mtime_sec": sec,
            "mtime_nsec": nsec,
            "nlink": st.st_nlink,
            "dev": st.st_dev,
            "ino": st.st_ino,
            "blocks": st.st_blocks,
            "sha256": None,
            "target": None,
            "xattrs": read_xattrs(full, tolerant),
        }
        if kind == "file":
            rec["sha256"] = hash_file(full, tolerant) if content else "-"
        elif kind == "symlink":
            try:
                rec["target"] = os.readlink(full).hex()
            except OSError as e:
                if not tolerant:
                    raise
                rec["target"] = errname(e)
        return rec

    def below(rel: bytes, full: bytes):
        try:
            names = sorted(os.listdir(full))
        except OSError as e:
            raise OSError(e.errno, "cannot list %s: %s" % (esc(full), os.strerror(e.errno))) from e
        for name in names:
            if rel == b"" and name in skip_root:
                continue
            child_rel = name if rel == b"" else rel + b"/" + name
            child_full = full + b"/" + name
            rec = record(child_rel, child_full)
            yield child_rel, rec
            if rec["type"] == "dir":
                yield from below(child_rel, child_full)

    yield b"", record(b"", root)
    yield from below(b"", root)


def link_groups(records):
    first = {}
    groups = {}
    for rel, rec in sorted(records.items()):
        if rec["type"] != "dir" and rec["nlink"] > 1:
            groups[rel] = first.setdefault((rec["dev"], rec["ino"]), rel)
        else:
            groups[rel] = None
    return groups


def manifest(root: bytes, skip_root, tolerant, content):
    records = dict(walk(root, skip_root, tolerant, content))
    groups = link_groups(records)
    return records, groups


def text_fields(rel, rec, group):
    xattrs = ";".join(esc(bytes.fromhex(n)) + "=" + v for n, v in rec["xattrs"])
    if rec["type"] == "file":
        body = rec["sha256"]
    elif rec["type"] == "symlink":
        t = rec["target"]
        body = "-> " + (t if t.startswith("!") else esc(bytes.fromhex(t)))
    else:
        body = "-"
    return {
        "path": esc(rel) if rel else ".",
        "type": rec["type"],
        "mode": "%04o" % rec["mode"],
        "owner": "%d:%d" % (rec["uid"], rec["gid"]),
        "rdev": "%d:%d" % (rec["rdev_major"], rec["rdev_minor"]),
        "size": "-" if rec["type"] == "dir" else str(rec["size"]),
        "mtime": "%d.%09d" % (rec["mtime_sec"], rec["mtime_nsec"]),
        "links": "=" + esc(group) if group is not None else "-",
        "xattrs": xattrs or "-",
        "content": body,
    }


ORDER = ["path", "type", "mode", "owner", "rdev", "size", "mtime", "links", "xattrs", "content"]


def compare(a, b, ignore):
    (ra, ga), (rb, gb) = a, b
    diffs = []
    for rel in sorted(ra):
        if rel not in rb:
            diffs.append("missing: " + (esc(rel) or "."))
            continue
        fa, fb = text_fields(rel, ra[rel], ga[rel]), text_fields(rel, rb[rel], gb[rel])
        for field in ORDER[1:]:
            if field in ignore:
                continue
            if field == "mtime" and ra[rel]["type"] == "dir" and "dirmtime" in ignore:
                continue
            if fa[field] != fb[field]:
                diffs.append("%s: %s expected %s got %s" % (fa["path"], field, fa[field], fb[field]))
        if "nlink" not in ignore and ra[rel]["type"] != "dir" and ra[rel]["nlink"] != rb[rel]["nlink"]:
            diffs.append("%s: nlink expected %d got %d" % (fa["path"], ra[rel]["nlink"], rb[rel]["nlink"]))
    for rel in sorted(rb):
        if rel not in ra:
            diffs.append("unexpected: " + (esc(rel) or "."))
    return diffs


def main(argv):
    skip_root, ignore, paths = set(), set(), []
    tolerant = json_out = do_compare = False
    content = True
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--skip-root":
            skip_root.add(os.fsencode(argv[i + 1]))
            i += 1
        elif arg == "--ignore":
            ignore.add(argv[i + 1])
            i += 1
        elif arg == "--tolerate-read-errors":
            tolerant = True
        elif arg == "--no-content":
            content = False
        elif arg == "--json":
            json_out = True
        elif arg == "--compare":
            do_compare = True
        elif arg.startswith("--"):
            print("tree-manifest: unknown option " + arg, file=sys.stderr)
            return 2
        else:
            paths.append(os.fsencode(arg))
        i += 1
    if len(paths) != (2 if do_compare else 1):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        if do_compare:
            diffs = compare(manifest(paths[0], skip_root, tolerant, content),
                            manifest(paths[1], skip_root, tolerant, content), ignore)
            for line in diffs:
                print(line)
            return 1 if diffs else 0
        records, groups = manifest(paths[0], skip_root, tolerant, content)
        for rel in sorted(records):
            if json_out:
                print(json.dumps(records[rel], separators=(",", ":")))
            else:
                f = text_fields(rel, records[rel], groups[rel])
                print("\t".join(f[k] for k in ORDER))
        return 0
    except OSError as e:
        print("tree-manifest: %s" % e, file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
