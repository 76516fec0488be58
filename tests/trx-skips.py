#!/usr/bin/env python3
"""Lists the skipped (NotExecuted) tests of the TRX files in a directory, one "Class.Test: reason" a line, leaving out
the skips allowed in CI. tests/run counts every listed line as a failure when CI=true: a mount, gocryptfs, rsync or
ssh test that skipped there proves nothing, and the suite has no other legitimate skip.

Allowed: a missing CPU feature (AES-NI), which is hardware, not a tool or a mount; kernel headers older than an ABI
part the C# code mirrors (FUSE over io_uring needs Linux 6.13/6.14 headers; Debian 12 ships 6.1), which the ABI
check cannot compare with C on this machine (it says which part, and checks everything else).
Usage: trx-skips.py DIR"""
import glob
import os
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
ALLOWED_PREFIXES = ("no AES-NI", "the installed kernel headers (linux-libc-dev) lack ")


def main() -> int:
    for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.trx"))):
        root = ET.parse(path).getroot()
        classes = {}
        for unit in root.iter(NS + "UnitTest"):
            method = unit.find(NS + "TestMethod")
            classes[unit.get("id")] = method.get("className") if method is not None else "?"
        for result in root.iter(NS + "UnitTestResult"):
            if result.get("outcome") != "NotExecuted":
                continue
            message = result.find(f"{NS}Output/{NS}ErrorInfo/{NS}Message")
            reason = (message.text or "").strip() if message is not None else ""
            if reason.startswith(ALLOWED_PREFIXES):
                continue
            print(f"{classes.get(result.get('testId'), '?')}.{result.get('testName')}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
