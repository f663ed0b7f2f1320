"""`return.credentials_mapped`: a thread's ids in a user namespace its cred moved to
(unshare(CLONE_NEWUSER), setns(), a CLONE_NEWUSER child), for guardian/credentials.py.

The move keeps the kuids (prepare_creds(), copy_creds()) and shows them through the new
namespace's map: from_kuid_munged()'s overflow id (65534) while the map is unwritten, the
mapped id after map_write(), which writes a map once.  So an id shown other than 65534
there stays, and ids known to be one kuid before the move show as one id (or 65534 where
the map fell between the reads).
"""

from __future__ import annotations

from abi import Status
from guardian.checks import refuse
from guardian.slots import Slot

Seen = dict[str, object]
#: a thread's known credentials' key: how many times its cred moved to another user
#: namespace (unshare(CLONE_NEWUSER), setns()) since the Guardian followed it
USERNS = "userns"
#: in a moved thread's known credentials: the groups of id names (frozensets) that hold one
#: kuid (or kgid), as the ids it knew before the move showed them (`moved_ids()`)
SAME = "same"
#: from_kuid_munged()'s overflow id (overflowuid/overflowgid, default 65534): what an id
#: whose kuid the namespace's map does not (yet) hold shows as
OVERFLOW_ID = 65534
ID_NAMES = ("ruid", "euid", "suid", "fsuid", "rgid", "egid", "sgid", "fsgid")
#: in a moved thread's known credentials: its ids as the parent namespace showed them just
#: before its unshare(CLONE_NEWUSER) (their kuids, as the new namespace's map takes them:
#: guardian/userns_own_maps.py)
PARENT = "parent_ids"


def refused_mapped(slot: Slot, why: str) -> None:
    """Refuse an answer under `return.credentials_mapped`."""
    refuse("return.credentials_mapped", Status.ERR_DENIED,
           f"syscall {slot.nr} {why}: in a user namespace the thread moved to, an id shown "
           "other than the overflow one stays (map_write() maps once)")


def may_map(known: Seen, old: object) -> bool:
    """Whether an id the thread was last shown as `old` may now show as another without a
    set*id call of its own: only in a user namespace its cred moved to, and only the
    overflow id, before map_write() of its uid_map / gid_map (written once: `if
    (map->nr_extents != 0) goto out;`; from_kuid_munged() of a kuid the map holds is then
    always the same id)."""
    return bool(known.get(USERNS)) and old == OVERFLOW_ID


def judge_same(slot: Slot, known: Seen, seen: Seen, name: str, value: object) -> None:
    """Ids of one kuid show as one id (from_kuid_munged() through one map), or the overflow
    id where map_write() may have fallen between the reads -- not after an earlier call
    showed one of them mapped (the map was written before this call's read, and stays)."""
    for group in known.get(SAME, ()):        # type: ignore[attr-defined]
        if name not in group:
            continue
        for other in group:
            earlier = known.get(other)
            shown = seen.get(other, earlier)
            if other == name or shown is None:
                continue
            if value != OVERFLOW_ID and shown not in (value, OVERFLOW_ID):
                refused_mapped(slot, f"reports {name} {value}, but its {other} of the "
                                      f"same kuid shows {shown} (from_kuid_munged() "
                                      "through one map)")
            if value == OVERFLOW_ID and earlier not in (None, OVERFLOW_ID):
                refused_mapped(slot, f"reports {name} as the overflow id, but an earlier "
                                      f"call showed its {other} of the same kuid mapped as "
                                      f"{earlier} (map_write() maps once)")


def moved_ids(before: Seen) -> Seen:
    """A thread's known credentials after its cred moved to a new user namespace
    (unshare_userns(), userns_install(), copy_creds() under CLONE_NEWUSER): the kuids stay
    (prepare_creds()), their shown ids are forgotten, and the ids known equal before --
    one kuid, shown as one id that is not the overflow one -- are noted as one kuid."""
    groups: list[set[str]] = [set(g) for g in before.get(SAME, ())]  # type: ignore[attr-defined]
    by_value: dict[tuple[str, object], set[str]] = {}
    for name in ID_NAMES:
        value = before.get(name)
        if value is not None and value != OVERFLOW_ID:
            by_value.setdefault((name[-3:], value), set()).add(name)
    groups += by_value.values()
    merged: list[set[str]] = []
    for group in groups:                     # (union of the groups that share a name)
        for other in [m for m in merged if m & group]:
            group |= other
            merged.remove(other)
        merged.append(group)
    same = tuple(frozenset(g) for g in merged if len(g) > 1)
    out: Seen = {USERNS: int(before.get(USERNS, 0)) + 1}  # type: ignore[call-overload]
    if same:
        out[SAME] = same
    return out


def current(before: Seen, fs_name: str | None, ret: int) -> Seen:
    """The ids known before a set*id call that still show as they did: in a moved
    namespace not the overflow ones (a map_write() may have mapped them since); and
    a setfsuid()'s answer (`fs_name`: the fs id it sets), the old fs id as shown now
    (__sys_setfsuid())."""
    moved = before.get(USERNS)
    # (the ids before the move, guardian/userns_own_maps.py: a set*id may change the kuid)
    now = {k: v for k, v in before.items() if k not in (SAME, PARENT)
           and not (moved and k in ID_NAMES and v == OVERFLOW_ID)}
    if fs_name is not None and ret <= 0xFFFF_FFFF:
        now[fs_name] = ret
    return now


def set_one_same(kind: str, v: int, before: Seen) -> Seen:
    """setuid(v) answered 0 in a moved namespace where the real and saved ids hold one
    kuid: __sys_setuid() sets them all with CAP_SETUID, or only the effective and fs ids
    where make_kuid(v) is the real or saved kuid -- that one kuid: all four show `v`
    (make_kuid() found it mapped, and the map stays)."""
    r, s = "r" + kind, "s" + kind
    if any(r in g and s in g for g in before.get(SAME, ())):   # type: ignore[attr-defined]
        v &= 0xFFFF_FFFF
        return {r: v, s: v, "e" + kind: v, "fs" + kind: v}
    return {}
