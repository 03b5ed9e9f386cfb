"""Writes PATH as a sparse regular file of SIZE bytes (zeros; no disk space
used): an input larger than the tools' input bound (input-size tests)."""
import sys

path, size = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as f:
    f.truncate(size)
