#!/usr/bin/env python3
"""Generates the benchmark trees (deterministic: the same arguments give the same tree).

  gen_tree.py files DIR DIRS FILES   DIRS directories of FILES small files each (0..4095 bytes, sizes spread
                                     evenly), plus, per directory, 1 symlink, 1 hard link, 2 files with a user.*
                                     xattr and 1 file with a POSIX ACL entry (set with setfacl) so that
                                     rsync -aHAX finds some of everything it asks about.
  gen_tree.py empty DIR DIRS FILES   DIRS directories of FILES empty files each (the 1,000,000-entry tree).

Prints the number of entries created (directories, files and links, the top directory not counted).
"""
import os
import subprocess
import sys


def make_files(top, dirs, files):
    os.makedirs(top, exist_ok=True)
    acl_targets = []
    count = 0
    # A fixed linear congruential sequence gives reproducible sizes without the random module's per-version changes.
    state = 12345
    block = bytes(range(256)) * 16
    for d in range(dirs):
        dpath = os.path.join(top, "d%04d" % d)
        os.mkdir(dpath)
        count += 1
        for f in range(files):
            state = (state * 1103515245 + 12345) & 0x7FFFFFFF
            size = state % 4096
            name = os.path.join(dpath, "file-%06d.dat" % f)
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            if size:
                os.write(fd, block[:size])
            os.close(fd)
            count += 1
        os.symlink("file-000000.dat", os.path.join(dpath, "link-to-first"))
        os.link(os.path.join(dpath, "file-000001.dat"), os.path.join(dpath, "hardlink-to-second"))
        count += 2
        for f in (2, 3):
            os.setxattr(os.path.join(dpath, "file-%06d.dat" % f), "user.comment", b"benchmark attribute %d" % f)
        acl_targets.append(os.path.join(dpath, "file-000004.dat"))
    for i in range(0, len(acl_targets), 500):
        subprocess.run(["setfacl", "-m", "u:nobody:r"] + acl_targets[i:i + 500], check=True)
    return count


def make_empty(top, dirs, files):
    os.makedirs(top, exist_ok=True)
    count = 0
    mode = 0o100644  # S_IFREG | 0644: mknod creates an empty regular file in one system call
    for d in range(dirs):
        dpath = os.path.join(top, "d%04d" % d)
        os.mkdir(dpath)
        count += 1
        dfd = os.open(dpath, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for f in range(files):
                os.mknod("e%06d" % f, mode, dir_fd=dfd)
                count += 1
        finally:
            os.close(dfd)
    return count


def main(argv):
    if len(argv) != 5 or argv[1] not in ("files", "empty"):
        sys.stderr.write(__doc__)
        return 2
    kind, top, dirs, files = argv[1], argv[2], int(argv[3]), int(argv[4])
    count = make_files(top, dirs, files) if kind == "files" else make_empty(top, dirs, files)
    print(count)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
