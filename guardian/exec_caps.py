"""`create.exec_caps`: what an exec leaves of the exec'ing thread's capability sets.

cap_bprm_creds_from_file() (security/commoncap.c, every 6.x), on the cred
prepare_exec_creds() copied (the inheritable, bounding and ambient sets kept):
- `if (has_fcap || is_setid) cap_clear(new->cap_ambient);` then `new->cap_permitted =
  cap_combine(new->cap_permitted, new->cap_ambient);`: the ambient set is kept or
  cleared, never widened, so a capability known out of it stays out (`AMBIENT_OUT`,
  guardian/cap_needed.py's return.ambient_cleared judges PR_CAP_AMBIENT_IS_SET);
- the inheritable set is not touched (`CAP_INHERITABLE` stays an upper bound);
- get_file_caps() clears the permitted set, bprm_caps_from_vfs_caps() gives it
  `(cap_bset & fP) | (cap_inheritable & fI)`, handle_privileged_root() `cap_combine(
  old->cap_bset, old->cap_inheritable)`, the ambient set is within the inheritable one:
  so the new permitted set, and the effective set (`fE ? pP' : pA'`), are within the
  bounding set | the old inheritable set, whatever the file (set-id, file capabilities):
  where the thread's bounding set is known to lack a capability (its PR_CAPBSET_DROP
  answered 0: prctl_state's `CAPBSET_DROPPED`) and its inheritable set too, so do both;
- an exec where the new real and effective uids are not 0 (AT_UID, AT_EUID) and AT_SECURE
  is 0: handle_privileged_root() widens nothing (`__is_eff() || __is_real()`), and
  `if (is_setid || (!__is_real(root_uid, new) && (effective || __cap_grew(permitted,
  ambient, new)))) bprm->secureexec = 1;` says no set-id file, no fE and a permitted set
  within the ambient one: pE' = pA', pP' = pA', so both are within the known ambient set.
The inheritable set is known from the launch (`create.launch_inheritable`: empty unless
`--launch-inheritable N` states a `capsh --inh=` launcher's), then the thread's own
capset() or capget(): a root exec is bounded wherever a PR_CAPBSET_DROP is known.  Nothing is
carried where a seccomp filter may have answered a call that set these facts (the rules
that note them test it); the facts are the exec'ing thread's own cred.
"""

from __future__ import annotations

from guardian import capset_inheritable, checks, exec_no_new_privs
from guardian.capset_sets import (
    AMBIENT_OUT,
    CAP_EFFECTIVE,
    CAP_INHERITABLE,
    CAP_PERMITTED,
    CAP_VALID_MASK,
)


def collect(old: dict[str, object]) -> dict[str, object]:
    """The exec'ing thread's facts `old`: the capability facts its exec keeps."""
    if not checks.enabled("create.exec_caps"):
        return {}
    kept: dict[str, object] = {}
    out, inh = old.get(AMBIENT_OUT), old.get(CAP_INHERITABLE)
    if isinstance(out, int):
        kept[AMBIENT_OUT] = out
    if isinstance(inh, int):
        kept[CAP_INHERITABLE] = inh
        bset = capset_inheritable.bounding(old)
        if bset is not None:
            kept[CAP_PERMITTED] = kept[CAP_EFFECTIVE] = bset | inh
    exec_no_new_privs.bound_caps(old, kept)     # (create.exec_no_new_privs)
    return kept


def apply(kept: dict[str, object], facts: dict[str, object], secure: bool,
          ruid: object, euid: object) -> None:
    """The new image's first thread's `facts` get the kept sets; `secure`, `ruid`,
    `euid`: its AT_SECURE, AT_UID, AT_EUID."""
    facts.update(kept)
    out = kept.get(AMBIENT_OUT)
    if secure or not isinstance(out, int) or not isinstance(ruid, int) or \
            not isinstance(euid, int) or 0 in (ruid, euid):
        return
    ambient = CAP_VALID_MASK & ~out     # (pP' = pE' = pA': no uid 0, no secure exec)
    for fact in (CAP_PERMITTED, CAP_EFFECTIVE):
        bound = facts.get(fact)
        facts[fact] = ambient & bound if isinstance(bound, int) else ambient
