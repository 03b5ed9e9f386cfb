#!/usr/bin/env python3
"""Writes the PTX (or cubin) embedded in `gpu.binary` ops to files.

  attn-opt k.mlir --attn-to-nvvm | scripts/extract-ptx.py - OUTDIR

gpu-module-to-binary leaves each module's image as an escaped string
attribute (`assembly = "..."` for PTX, `bin = "..."` for cubin). This writes
one file per gpu.binary, OUTDIR/<module>.ptx or .cubin, and prints the paths.
Exit status 1 if the input holds no gpu.binary.
"""

import os
import re
import sys

BINARY = re.compile(r'gpu\.binary @(\w+)\s.*?\b(assembly|bin|offload)\s*=\s*"((?:[^"\\]|\\.)*)"',
                    re.S)


def unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        nxt = s[i + 1]
        if nxt in "\\\"":
            out.append(ord(nxt))
            i += 2
        elif nxt == "n":
            out.append(10)
            i += 2
        elif nxt == "t":
            out.append(9)
            i += 2
        else:  # \XX hex escape
            out.append(int(s[i + 1:i + 3], 16))
            i += 3
    return bytes(out)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    text = sys.stdin.read() if sys.argv[1] == "-" else open(sys.argv[1]).read()
    os.makedirs(sys.argv[2], exist_ok=True)
    found = 0
    for name, kind, payload in BINARY.findall(text):
        ext = {"assembly": "ptx", "bin": "cubin", "offload": "bc"}[kind]
        path = os.path.join(sys.argv[2], "%s.%s" % (name, ext))
        with open(path, "wb") as f:
            f.write(unescape(payload))
        print(path)
        found += 1
    if not found:
        print("extract-ptx: no gpu.binary in the input", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
