#!/usr/bin/env python3
"""Philox4x32-10 known answers, extracted from Random123's own test vectors.

Random123 (D. E. Shaw Research) ships, with its known-answer tests, the file kat_vectors: one line per
(generator, rounds, counter, key) with the expected output. Debian's librandom123-dev installs it as
/usr/share/doc/librandom123-dev/tests/kat_vectors.gz. This script keeps the philox4x32 lines with 10 rounds
and writes them, under a header that says where they came from, to tests/data/philox_known_answers.txt,
which src/nninit/random/philox_test.cpp reads:

    /usr/bin/python3 tests/data/philox_known_answers.py [OUT]     (OUT defaults to that file)

Each line of the output is `philox4x32 10 CTR0 CTR1 CTR2 CTR3 KEY0 KEY1   OUT0 OUT1 OUT2 OUT3`, in hex,
exactly as in Random123's file. Only the standard library is used.
"""

import datetime
import gzip
import os
import subprocess
import sys

SOURCE = "/usr/share/doc/librandom123-dev/tests/kat_vectors.gz"
PACKAGE = "librandom123-dev"


def package_version():
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", PACKAGE], check=True, capture_output=True,
                              text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown version"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "philox_known_answers.txt")
    with gzip.open(SOURCE, "rt") as f:
        rows = [line.rstrip("\n") for line in f if line.split()[:2] == ["philox4x32", "10"]]
    if not rows:
        sys.exit("philox_known_answers.py: no philox4x32 10-round lines in " + SOURCE)
    header = [
        "# Philox4x32-10 known answers (Salmon et al. 2011), copied from Random123's known-answer test vectors.",
        "# Source: Debian package %s %s, file %s (the philox4x32 lines with 10 rounds)." % (
            PACKAGE, package_version(), SOURCE),
        "# Extracted %s by tests/data/philox_known_answers.py; rerun it rather than editing this file." %
        datetime.date.today().isoformat(),
        "# Format: philox4x32 10 CTR0 CTR1 CTR2 CTR3 KEY0 KEY1   OUT0 OUT1 OUT2 OUT3 (32-bit words in hex).",
    ]
    with open(out, "w") as f:
        f.write("\n".join(header + rows) + "\n")
    print("philox_known_answers.py: %d vectors written to %s" % (len(rows), out))


if __name__ == "__main__":
    main()
