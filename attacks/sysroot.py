"""The interpreter and libraries a dynamically linked victim runs with.

As `blindfold run -L DIR` does: the kernel looks the interpreter and the libraries up in
DIR first, and the user's launch path admits the interpreter as an image and each shared
object of DIR's library directories as a file the program may map.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Where a dynamically linked victim's interpreter and libraries come from (as `blindfold
#: run -L`): the cross toolchain's Debian arm64 libc, or BLINDFOLD_LD_PREFIX.
DEFAULT_SYSROOT = Path("/usr/aarch64-linux-gnu")
_LIBRARY_DIRS = ("lib", "usr/lib", "lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu")


def sysroot_root() -> Path:
    """The directory dynamically linked victims take their interpreter and libraries from."""
    return Path(os.environ.get("BLINDFOLD_LD_PREFIX") or DEFAULT_SYSROOT)


class NoSysroot(FileNotFoundError):
    """A dynamically linked victim's interpreter is not under the sysroot."""


#: The interpreter every dynamically linked victim names (arm64 glibc's).
INTERPRETER = "/lib/ld-linux-aarch64.so.1"


def missing_libc() -> str | None:
    """Why dynamically linked victims cannot run here (None: they can)."""
    root = sysroot_root()
    if (root / INTERPRETER.lstrip("/")).is_file():
        return None
    return (f"no arm64 C library under {root} for the dynamically linked victims: install "
            "Debian's libc6-arm64-cross, or set BLINDFOLD_LD_PREFIX to an arm64 libc's root")


def cannot_run(program: str) -> str | None:
    """Why the victim `program` cannot run here: a dynamically linked one without an arm64
    C library (None: it can run)."""
    from workloads import find
    workload = find(program)
    return missing_libc() if workload is not None and workload.dynamic else None


def victim_sysroot(image: object) -> Path | None:
    """The -L directory a dynamically linked victim is run with (None for a static one);
    a clear error when its interpreter is not there."""
    interp = getattr(image, "interp", None)
    if interp is None:
        return None
    root = sysroot_root()
    if not (root / os.fsdecode(interp).lstrip("/")).is_file():
        raise NoSysroot(f"the victim is dynamically linked and its interpreter "
                        f"{os.fsdecode(interp)} is not under {root}: install Debian's "
                        "libc6-arm64-cross, or set BLINDFOLD_LD_PREFIX to an arm64 libc's root")
    return root


def admit_sysroot(guardian: object, root: Path, interp: bytes) -> None:
    """The user's launch path for a dynamic victim: its interpreter is an image that may
    run confidentially, and every shared object of the sysroot's library directories a
    file it may map (measured under the path the program opens it by)."""
    conf = guardian.conf  # type: ignore[attr-defined]
    conf.admit_image((root / os.fsdecode(interp).lstrip("/")).read_bytes(), os.fsdecode(interp))
    for rel in _LIBRARY_DIRS:
        folder = root / rel
        if folder.is_dir():
            for entry in sorted(folder.iterdir()):
                if ".so" in entry.name and entry.is_file():
                    conf.admit_file("/" + entry.relative_to(root).as_posix(),
                                    entry.read_bytes())
