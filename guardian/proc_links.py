"""The /proc links a walk follows before a ".." after them.

/proc/<pid>/cwd, root and exe (proc_cwd_link(), proc_root_link(), proc_exe_link()),
/proc/<pid>/fd/N (proc_fd_link()), map_files/<range> (map_files_get_link()) and ns/<name>
(proc_ns_get_link()), the same under /proc/<pid>/task/<tid>, /proc/self and
/proc/thread-self, and /dev/fd/N, /dev/std* (to /proc/self/fd/N) are links:
link_path_walk() -> pick_link() -> nd_jump_link() puts the walk at their target before
the next component, so a ".." after one leaves the target, not the /proc directory the
string names.  "/proc/self/cwd/../task/foo" is <the working directory's parent>/task/foo,
no /proc name at all; read lexically, that target is not known.
"""

from __future__ import annotations

import posixpath

_ONE = frozenset({"cwd", "root", "exe"})
_TWO = frozenset({"fd", "map_files", "ns"})
_DEV = (["dev", "stdin"], ["dev", "stdout"], ["dev", "stderr"])


def magic_link(comps: list[str]) -> bool:
    """Is the absolute name of components `comps` one of those links?"""
    if comps[:2] == ["dev", "fd"]:
        return len(comps) == 3
    if comps in _DEV:
        return True
    if comps[:1] != ["proc"] or len(comps) < 3:
        return False
    rest = comps[2:]
    if rest[0] == "task" and len(rest) > 2:
        rest = rest[2:]
    return len(rest) == 1 and rest[0] in _ONE or len(rest) == 2 and rest[0] in _TWO


def lexical(path: str) -> str | None:
    """The absolute `path` normalised lexically, or None where a ".." leaves one of those
    links (the link's target, not known here, is what it leaves)."""
    out: list[str] = []
    link = -1                               # the depth of the last link passed
    comps = [p for p in path.split("/") if p]
    for i, comp in enumerate(comps):
        if comp == ".":
            continue
        if comp == "..":
            if 0 <= link and len(out) <= link:
                return None
            out = out[:-1]
            continue
        out.append(comp)
        if i < len(comps) - 1 and magic_link(out):
            link = len(out)
    return posixpath.normpath("/" + "/".join(out))
