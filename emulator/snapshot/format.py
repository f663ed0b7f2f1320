"""The snapshot file: a versioned container of named, compressed sections.

Layout (all integers little-endian):

    magic        16 bytes  b"BLINDFOLD-SNAP\\r\\n"
    header_len   u32
    header       JSON (UTF-8): format version, the versions of everything whose
                 layout the sections depend on, facts about the run, and for each
                 section its name, stored length, SHA-256 of the stored bytes and
                 whether it is sealed
    sections     the stored bytes of each section, in header order

A section is zlib-compressed; a sealed section is then encrypted with AES-GCM
(nonce || ciphertext+tag) under a key the caller holds (the Guardian's), with the
header's `sealed_aad` bound as associated data.  Reading refuses another format
version or other component versions, and any section whose digest does not match.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"BLINDFOLD-SNAP\r\n"
FORMAT_VERSION = 1


class SnapshotError(Exception):
    """A snapshot file that cannot be used (with what to do about it)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass
class SnapshotFile:
    header: dict[str, Any]
    sections: dict[str, bytes] = field(default_factory=dict)   # plain (decompressed) bytes
    sealed: set[str] = field(default_factory=set)


def component_versions() -> dict[str, str]:
    """What the sections' layout depends on; a snapshot is read only under the same."""
    import sys
    from importlib.metadata import version

    return {"python": f"{sys.version_info.major}.{sys.version_info.minor}",
            "unicorn": version("unicorn"), "cloudpickle": version("cloudpickle")}


def write(path: Path, snap: SnapshotFile, seal_key: bytes | None = None) -> None:
    stored: list[tuple[str, bytes, bool]] = []
    aad = os.urandom(16).hex()
    for name, data in snap.sections.items():
        blob = zlib.compress(data, 6)
        sealed = name in snap.sealed
        if sealed:
            if seal_key is None:
                raise SnapshotError(f"section {name} must be sealed but no key was given")
            nonce = os.urandom(12)
            blob = nonce + AESGCM(seal_key).encrypt(nonce, blob, (aad + name).encode())
        stored.append((name, blob, sealed))
    header = dict(snap.header)
    header.update(format=FORMAT_VERSION, components=component_versions(), sealed_aad=aad,
                  sections=[{"name": n, "length": len(b), "sha256": hashlib.sha256(b).hexdigest(),
                             "sealed": s} for n, b, s in stored])
    head = json.dumps(header, sort_keys=True).encode()
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as f:
        f.write(MAGIC + struct.pack("<I", len(head)) + head)
        for _, blob, _ in stored:
            f.write(blob)
    os.replace(tmp, path)


def read_header(path: Path) -> tuple[dict[str, Any], int]:
    try:
        with open(path, "rb") as f:
            lead = f.read(len(MAGIC) + 4)
            if len(lead) < len(MAGIC) + 4 or lead[:len(MAGIC)] != MAGIC:
                raise SnapshotError(f"{path} is not a Blindfold snapshot",
                                    "give a file written by `blindfold snapshot save` or "
                                    "`blindfold run --snapshot-every`")
            (n,) = struct.unpack("<I", lead[len(MAGIC):])
            head = f.read(n)
    except OSError as exc:
        raise SnapshotError(f"cannot read {path}: {exc.strerror}", "check the path") from exc
    try:
        header = json.loads(head)
    except ValueError as exc:
        raise SnapshotError(f"{path}: the snapshot header is damaged") from exc
    if header.get("format") != FORMAT_VERSION:
        raise SnapshotError(f"{path} has snapshot format {header.get('format')}, this blindfold "
                            f"reads format {FORMAT_VERSION}",
                            "restore it with the blindfold version that wrote it")
    mine = component_versions()
    if header.get("components") != mine:
        raise SnapshotError(f"{path} was written under {header.get('components')}, this is {mine}",
                            "restore it where it was written (the same Python and pinned "
                            "libraries)")
    return header, len(MAGIC) + 4 + n


def read(path: Path, seal_key: bytes | None = None) -> SnapshotFile:
    header, offset = read_header(path)
    snap = SnapshotFile(header)
    with open(path, "rb") as f:
        f.seek(offset)
        for sec in header["sections"]:
            blob = f.read(sec["length"])
            if len(blob) != sec["length"] or hashlib.sha256(blob).hexdigest() != sec["sha256"]:
                raise SnapshotError(f"{path}: section {sec['name']} is damaged or truncated")
            if sec["sealed"]:
                if seal_key is None:
                    raise SnapshotError(f"{path}: section {sec['name']} is sealed",
                                        "it can only be opened by the Guardian that sealed it")
                try:
                    blob = AESGCM(seal_key).decrypt(blob[:12], blob[12:],
                                                    (header["sealed_aad"] + sec["name"]).encode())
                except InvalidTag as exc:
                    raise SnapshotError(f"{path}: the sealed section {sec['name']} does not open "
                                        "with this Guardian's key (tampered, or another "
                                        "Guardian's)") from exc
                snap.sealed.add(sec["name"])
            snap.sections[sec["name"]] = zlib.decompress(blob)
    return snap
