"""Kernel cache entries on disk: written atomically, checked when read.

An entry of the GPU kernel cache (``_gpu.compile_to_cache``) is three files
named by its key: ``<key>.ptx`` (the kernels), ``<key>.json`` (the
compiler's manifest, which the launcher reads) and ``<key>.mlir`` (the IR it
was compiled from, for people). Entries are copied between machines (a
compiler machine precompiles, a GPU machine without MLIR runs), and a copy
interrupted on the way leaves truncated or empty files, so the manifest
carries an integrity record under the key ``"attn_cache"``::

    {"format": 1, "key": <key>, "ptx_bytes": <size of .ptx>,
     "ptx_sha256": <hash of .ptx>, "manifest_sha256": <hash of the rest>}

``load`` uses an entry only if the .json is valid JSON with a record of this
format, the .ptx has the recorded size and hash, the manifest (the .json
without the record, serialised canonically) has the recorded hash and the
schema the launcher reads (``check_manifest``). Anything else raises
:class:`BadEntry` naming the file and what is wrong; an entry without a
record was made by an older attn. ``store`` writes each file to a temporary
file in the cache directory and renames it into place (``os.replace``), the
.json last: an interrupted write leaves the previous entry or none, never
half of one that passes the checks.
"""

import hashlib
import json
import os
import secrets
import threading

# Version of the entry layout and of the integrity record. Bump it when
# either changes: entries of another format are rebuilt (or refused).
FORMAT = 1
RECORD = "attn_cache"

# The element types a manifest may name, with their torch dtypes (the
# launcher allocates outputs and workspaces of these).
DTYPES = {"bf16": "bfloat16", "f16": "float16", "f32": "float32",
          "i32": "int32", "i64": "int64", "u8": "uint8"}


class BadEntry(Exception):
    """A cache entry that must not be used; the message names the file."""


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _canonical(manifest):
    """The bytes the manifest hash covers: the manifest without its record,
    keys sorted, no spaces (the same for any writer of the same data)."""
    rest = {k: v for k, v in manifest.items() if k != RECORD}
    return json.dumps(rest, sort_keys=True, separators=(",", ":")).encode()


def _write(path, data):
    """`data` (bytes) to `path` through a temporary file next to it and
    os.replace: readers see the old file or the whole new one. The
    temporary name is unique per process, thread and call; the file gets
    the umask's permissions, as the cache's other files (a shared cache
    stays readable)."""
    tmp = "%s.%d.%d.%s.tmp" % (path, os.getpid(), threading.get_ident(),
                               secrets.token_hex(4))
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def store(base, key, ir, ptx, manifest):
    """Writes the entry `base`.{ptx,mlir,json} of cache key `key`; the .json
    (manifest plus integrity record) last."""
    os.makedirs(os.path.dirname(base) or ".", exist_ok=True)
    ptx_bytes = ptx.encode()
    record = {"format": FORMAT, "key": key, "ptx_bytes": len(ptx_bytes),
              "ptx_sha256": _sha256(ptx_bytes),
              "manifest_sha256": _sha256(_canonical(manifest))}
    _write(base + ".ptx", ptx_bytes)
    _write(base + ".mlir", ir.encode())
    text = json.dumps(dict(manifest, **{RECORD: record}), indent=1)
    _write(base + ".json", text.encode())


def load(base, key):
    """(ptx text, manifest dict) of the entry `base`.{ptx,json}; None when
    neither file exists; BadEntry when the entry fails a check."""
    ptx_path, json_path = base + ".ptx", base + ".json"
    have_ptx, have_json = os.path.exists(ptx_path), os.path.exists(json_path)
    if not have_ptx and not have_json:
        return None
    if not have_json:
        raise BadEntry("%s has no manifest %s next to it"
                       % (ptx_path, os.path.basename(json_path)))
    if not have_ptx:
        raise BadEntry("%s has no kernels: %s is missing"
                       % (json_path, os.path.basename(ptx_path)))
    with open(json_path, "rb") as f:
        raw = f.read()
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise BadEntry("%s is not valid JSON (%s%s)"
                       % (json_path, "empty file" if not raw else e,
                          "" if not raw else "; truncated?")) from None
    if not isinstance(manifest, dict):
        raise BadEntry("%s is not a manifest (a JSON object): it holds a %s"
                       % (json_path, type(manifest).__name__))
    record = manifest.get(RECORD)
    if record is None:
        raise BadEntry("%s has no integrity record: it was made by an older "
                       "attn; re-run attn.precompile" % json_path)
    _check_record(json_path, record, key)
    with open(ptx_path, "rb") as f:
        ptx = f.read()
    if len(ptx) != record["ptx_bytes"]:
        raise BadEntry("%s has %d bytes, its manifest records %d (truncated "
                       "or overwritten)" % (ptx_path, len(ptx),
                                            record["ptx_bytes"]))
    if _sha256(ptx) != record["ptx_sha256"]:
        raise BadEntry("%s does not match the sha256 its manifest records "
                       "(the file is corrupt)" % ptx_path)
    if _sha256(_canonical(manifest)) != record["manifest_sha256"]:
        raise BadEntry("%s: the manifest does not match the sha256 of its "
                       "integrity record (the file was changed)" % json_path)
    try:
        check_manifest(manifest)
    except ValueError as e:
        raise BadEntry("%s: %s" % (json_path, e)) from None
    return ptx.decode("utf-8"), {k: v for k, v in manifest.items()
                                 if k != RECORD}


def _check_record(path, record, key):
    if not isinstance(record, dict) or not isinstance(record.get("format"),
                                                      int):
        raise BadEntry("%s: its integrity record '%s' is malformed"
                       % (path, RECORD))
    if record["format"] != FORMAT:
        raise BadEntry("%s has cache format %d; this attn reads format %d: "
                       "re-run attn.precompile" % (path, record["format"],
                                                   FORMAT))
    for name, kind in (("key", str), ("ptx_bytes", int), ("ptx_sha256", str),
                       ("manifest_sha256", str)):
        if not isinstance(record.get(name), kind) or \
                isinstance(record.get(name), bool):
            raise BadEntry("%s: its integrity record '%s' has no valid '%s'"
                           % (path, RECORD, name))
    if record["key"] != key:
        raise BadEntry("%s was written for key %s, not %s (a renamed or "
                       "misplaced file)" % (path, record["key"], key))


# --- the manifest schema: what _gpu.Entry reads -----------------------------

def _is(value, kind):
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _field(obj, name, kind, where, optional=False):
    if name not in obj:
        if optional:
            return None
        raise ValueError("%s has no '%s'" % (where, name))
    value = obj[name]
    if not _is(value, kind):
        raise ValueError("%s.%s must be %s, got %s"
                         % (where, name, _KIND_NAMES[kind],
                            type(value).__name__))
    return value


_KIND_NAMES = {str: "a string", int: "an integer", list: "a list",
               dict: "an object"}


def _list_of(obj, name, kind, where, optional=False):
    items = _field(obj, name, list, where, optional)
    for i, item in enumerate(items or []):
        if not _is(item, kind):
            raise ValueError("%s.%s[%d] must be %s, got %s"
                             % (where, name, i, _KIND_NAMES[kind],
                                type(item).__name__))
    return items


def _tensors(entry, name, where, optional=False):
    for i, spec in enumerate(_list_of(entry, name, dict, where, optional)
                             or []):
        at = "%s.%s[%d]" % (where, name, i)
        _field(spec, "name", str, at)
        _dtype(spec, at)
        _list_of(spec, "shape", str, at)


def _dtype(spec, where):
    if _field(spec, "dtype", str, where) not in DTYPES:
        raise ValueError("%s.dtype '%s' is not one of %s"
                         % (where, spec["dtype"], ", ".join(sorted(DTYPES))))


def check_manifest(manifest):
    """ValueError naming the first field of `manifest` that is missing or
    of the wrong type for the launcher (_gpu.Entry): entries with sizes,
    inputs, outputs, optional params / values / limits / workspaces /
    tensormaps, and launches."""
    entries = _list_of(manifest, "entries", dict, "manifest")
    if not entries:
        raise ValueError("manifest.entries is empty")
    for i, entry in enumerate(entries):
        where = "entries[%d]" % i
        sizes = _field(entry, "sizes", dict, where)
        for name, src in sizes.items():
            if not (isinstance(src, list) and len(src) == 2 and
                    _is(src[0], str) and (_is(src[1], int) or (
                        _is(src[1], str) and src[1].isdigit()))):
                raise ValueError("%s.sizes.%s must be [input name, dim], got "
                                 "%r" % (where, name, src))
        _tensors(entry, "inputs", where)
        if not entry["inputs"]:
            raise ValueError("%s.inputs is empty" % where)
        _tensors(entry, "outputs", where)
        for name, spec in (_field(entry, "params", dict, where, True)
                           or {}).items():
            at = "%s.params.%s" % (where, name)
            if not _is(spec, dict):
                raise ValueError("%s must be an object" % at)
            if name == "nsplit":
                for f, kind in (("blocks", str), ("tiles", str),
                                ("ctas_per_sm", int), ("max", int)):
                    _field(spec, f, kind, at)
        for name, expr in (_field(entry, "values", dict, where, True)
                           or {}).items():
            if not _is(expr, str):
                raise ValueError("%s.values.%s must be a string" % (where,
                                                                    name))
        for j, lim in enumerate(_list_of(entry, "limits", dict, where,
                                         True) or []):
            at = "%s.limits[%d]" % (where, j)
            _field(lim, "expr", str, at)
            _field(lim, "below", int, at)
            _field(lim, "what", str, at)
        for j, ws in enumerate(_list_of(entry, "workspaces", dict, where,
                                        True) or []):
            at = "%s.workspaces[%d]" % (where, j)
            _field(ws, "name", str, at)
            _field(ws, "elements", str, at)
            _dtype(ws, at)
        for j, tm in enumerate(_list_of(entry, "tensormaps", dict, where,
                                        True) or []):
            at = "%s.tensormaps[%d]" % (where, j)
            _field(tm, "name", str, at)
            _field(tm, "tensor", str, at)
            _list_of(tm, "box", int, at)
            _field(tm, "swizzle", int, at, optional=True)
            _list_of(tm, "shape", str, at, True)
        for j, launch in enumerate(_list_of(entry, "launches", dict, where)):
            at = "%s.launches[%d]" % (where, j)
            _field(launch, "kernel", str, at)
            _list_of(launch, "grid", str, at)
            _list_of(launch, "block", int, at)
            _field(launch, "smem", int, at)
            _list_of(launch, "args", str, at)
            _field(launch, "when", str, at, optional=True)
