"""Calls Linux refuses answered as if they succeeded: a discard window only where Linux
accepts the call's arguments.

`secret_r20_memory` (workloads/src/secret_r20_memory.c) keeps a record (cursor 2) in a
page, makes one memory call Linux refuses before it touches a page, and logs the label
cursor - 2 names from a log buffer that begins with a copy of the secret.  Here the
kernel drops the record's page while serving the call and answers success, so the
return check that a discarding call succeeded has nothing to object to: only the
window itself, judged from the call's arguments as Linux judges them
(`discard.linux_accepts`), keeps the page.  Each scenario holds only the kernel's powers
(the page tables it edits through the Guardian's calls and the result it returns).
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r20 import (
    MEMORY,
    NR_MADVISE,
    P_REMOVE_PRIVATE,
    _drop_private,
    _drop_then_answer,
)
from attacks.scenario import Goal, scenario

DW = "discard-windows"


@scenario(id="DW-001", title="Drop a private page while serving MADV_REMOVE and answer 0",
          family=DW, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=MEMORY,
          prop="MADV_REMOVE applies only to a shared mapping: on private anonymous memory "
               "Linux answers EINVAL and the page keeps its bytes, so no answer lets it go.")
def dw_remove_private_success(adv: Adversary) -> None:
    """1. The program (secret_r20_memory) keeps a record (cursor 2) in a private anonymous
    page, calls madvise(record, 4096, MADV_REMOVE) and logs the label cursor - 2 names.
    2. While serving the call, drop the page, then answer 0.
    3. The record reads as zero: the program logs bytes 16..23 of the secret's copy."""
    _drop_then_answer(adv, NR_MADVISE, P_REMOVE_PRIVATE, _drop_private, 0)
