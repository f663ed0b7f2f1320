"""Red-team round twenty-two, second part: the initial stack, what a thread registered,
and the later steps of `secret_r22_contents` (the first part and the shared moves are
redteam_r22.py's).

The auxiliary vector holds USER_HZ (100) in AT_CLKTCK, the caller's real uid in AT_UID,
"aarch64" at AT_PLATFORM and the executed file's name at AT_EXECFN, and argv[0] names the
first argument string (QD-027..QD-031); get_robust_list and PR_GET_TID_ADDRESS report the
head and word the thread registered (QD-032..QD-034); a pipe's size reads back what
F_SETPIPE_SZ set (QD-036); a read leaves the buffer past its count alone (QD-037); a
socketpair's SO_PEERCRED names the program that made it (QD-038); sysinfo's uptime is
CLOCK_BOOTTIME's (QD-039); and the no_new_privs flag, once set, reads back set (QD-040).
QD-031 and QD-035 (records running past the count getdents64 returns) are guards: the
Guardian refuses them.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi import Call
from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r22 import (
    CONTENTS,
    P_DENTS_KIND,
    P_EXECFN,
    P_NO_NEW_PRIVS,
    P_PEERCRED,
    P_PIPE_SIZE,
    P_READ_TAIL,
    P_ROBUST_HEAD,
    P_ROBUST_LEN,
    P_TID_ADDRESS,
    P_UPTIME,
    RT,
    answer,
    patch_output,
    root_listing,
)
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from emulator.el1 import El1Fault
from kernel_model.process import Thread

# An initial-stack entry that enters the domain unchecked (an open hole).
AUXV_GAP = "P2"
BOOT_S = 100                         # the seconds since boot the kernel claims


# --- the auxiliary vector ---------------------------------------------------------------------------
Forge = dict[int, Callable[[dict[int, int]], int]]
AT_UID, AT_EUID, AT_PLATFORM, AT_RANDOM, AT_EXECFN, AT_CLKTCK = 11, 12, 15, 25, 31, 17


def _auxv_at(a: Adversary, sp: int) -> dict[int, int]:
    """The initial stack's auxv entries at sp: key -> the address of its value word."""
    words: list[int] = []
    for va in range(sp, sp + 4096, 8):
        try:
            words.append(a.el1.read_u64(va))
        except El1Fault:
            break
    i = 1 + words[0] + 1                 # past argc, argv[], NULL
    while i < len(words) and words[i]:
        i += 1                           # envp[]
    i += 1
    slots: dict[int, int] = {}
    while i + 1 < len(words) and words[i]:
        slots[words[i]] = sp + 8 * (i + 1)
        i += 2
    return slots


def _forge_auxv(adv: Adversary, forge: Forge) -> None:
    """When the kernel asks for CREATE_DOMAIN (without a Guardian: right after exec),
    rewrite the auxv values `forge` names, each from the vector's current values."""
    def at(a: Adversary, sp: int) -> None:
        slots = _auxv_at(a, sp)
        values = {key: a.el1.read_u64(va) for key, va in slots.items()}
        for key, new in forge.items():
            if key in slots:
                a.el1.write_u64(slots[key], new(values))
                a.note(f"auxv entry {key} now {new(values):#x}")

    @adv.on(Point.HVC, once=False, init_only=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes) -> None:
        if call == Call.CREATE_DOMAIN and "forged" not in a.memo:
            a.memo["forged"] = True
            at(a, args[2])

    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            at(a, a.reg("sp"))


@scenario(id="QD-027", title="Start the program with AT_CLKTCK 200",
          family=RT, goal=Goal.LEAK, rules=("G-INITIAL-STACK",), program=CONTENTS,
          prop="AT_CLKTCK is USER_HZ, 100 on arm64.")
def qd_auxv_clktck(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) reads getauxval(AT_CLKTCK), the unit of the
    clock_t values times() returns, and logs the label 100 / ticks - 1 names (0).
    2. Build the initial stack with AT_CLKTCK 200.
    3. The index is -1: the program logs bytes 24..31 of the first copy. arm64 Linux's
    create_elf_tables puts CLOCKS_PER_SEC (USER_HZ, 100) there, always."""
    _forge_auxv(adv, {AT_CLKTCK: lambda v: 200})


@scenario(id="QD-028", title="Start the program with AT_UID and AT_EUID 2 while getuid() "
                             "answers 0",
          family=RT, goal=Goal.LEAK, rules=("G-INITIAL-STACK",), program=CONTENTS,
          prop="AT_UID is the real uid getuid() reports (until the program changes it).")
def qd_auxv_uid(adv: Adversary) -> None:
    """1. The program (secret_r22_contents, which never changes its ids) logs the label
    getuid() - getauxval(AT_UID) names (0).
    2. Build the initial stack with AT_UID and AT_EUID 2 (AT_SECURE stays 0: not set-id).
    3. The index is -2: the program logs bytes 16..23 of the first copy. Linux writes
    the new image's cred->uid and cred->euid into AT_UID/AT_EUID, the ids getuid() and
    geteuid() return."""
    _forge_auxv(adv, {AT_UID: lambda v: 2, AT_EUID: lambda v: 2})


@scenario(id="QD-029", title="Point AT_PLATFORM two bytes into \"aarch64\"",
          family=RT, goal=Goal.LEAK, rules=("G-INITIAL-STACK",), program=CONTENTS,
          prop="AT_PLATFORM names the string \"aarch64\" (ELF_PLATFORM).")
def qd_auxv_platform(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) logs the label strlen(AT_PLATFORM) - 7 names
    (0 for "aarch64").
    2. Build the initial stack with AT_PLATFORM two bytes further ("rch64", still inside
    the stack).
    3. The index is -2: the program logs bytes 16..23 of the first copy. arm64 Linux
    copies ELF_PLATFORM, "aarch64", and points AT_PLATFORM at its first byte."""
    _forge_auxv(adv, {AT_PLATFORM: lambda v: v[AT_PLATFORM] + 2})


@scenario(id="QD-030", title="Point AT_EXECFN at AT_RANDOM's bytes",
          family=RT, goal=Goal.LEAK, rules=("G-INITIAL-STACK", "G-KEYS-PRIVATE"),
          program=CONTENTS,
          prop="AT_EXECFN names the executed file's name, a string of its own on the stack.")
def qd_auxv_execfn(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) seeds the first 16 bytes of its secret from
    AT_RANDOM and prints the name it runs as, getauxval(AT_EXECFN).
    2. Build the initial stack with AT_EXECFN = AT_RANDOM's address (inside the stack).
    3. The program prints AT_RANDOM's 16 bytes (up to a NUL) to the kernel. Linux's
    AT_EXECFN points at the filename string it copied first to the stack top, never at
    the random bytes it placed below the strings."""
    _forge_auxv(adv, {AT_EXECFN: lambda v: v[AT_RANDOM]})


@scenario(id="QD-031", title="Point argv[0] at AT_RANDOM's bytes",
          family=RT, goal=Goal.LEAK, rules=("G-INITIAL-STACK", "G-KEYS-PRIVATE"),
          program=CONTENTS,
          prop="argv[0] names the first argument string, laid out above the auxv and "
               "AT_RANDOM's bytes.")
def qd_argv0_random(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) seeds the first 16 bytes of its secret from
    AT_RANDOM and prints its argv[0] after the name it runs as.
    2. Build the initial stack with argv[0] = AT_RANDOM's address (inside the stack).
    3. The program prints AT_RANDOM's 16 bytes (up to a NUL) to the kernel. Linux's argv
    pointers name the argument strings it copied to the stack top, in order, never the
    random bytes it placed below the strings."""
    def at(a: Adversary, sp: int) -> None:
        random = a.el1.read_u64(_auxv_at(a, sp)[AT_RANDOM])
        a.el1.write_u64(sp + 8, random)
        a.note(f"argv[0] now {random:#x}")

    @adv.on(Point.HVC, once=False, init_only=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes) -> None:
        if call == Call.CREATE_DOMAIN and "forged" not in a.memo:
            a.memo["forged"] = True
            at(a, args[2])

    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            at(a, a.reg("sp"))


# --- pointers and lengths the program registered ------------------------------------------------
@scenario(id="QD-032", title="Answer get_robust_list() with a head 16 bytes before the one "
                             "registered",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="get_robust_list(0) reports the head the thread registered with "
               "set_robust_list().")
def qd_robust_head(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) registers its own robust-list head with
    set_robust_list(&head, 24), reads it back with get_robust_list(0, &p, &len) and logs
    the label (p - &head) / 8 names (0).
    2. Let the call run, then store &head - 16 (the address set_robust_list passed,
    which the kernel holds) and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the first copy. Linux reports
    current->robust_list, the pointer the thread registered, as it registered it."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["set_robust_list"], during=P_EXECFN + 1)
    def _(a: Adversary, **_: object) -> None:
        a.memo["head"] = int(a.el1.syscall_args()[0])

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["get_robust_list"], during=P_ROBUST_HEAD)
    def _(a: Adversary, **_: object) -> None:
        where = int(a.el1.syscall_args()[1])
        a.kernel.uaccess.write(where, struct.pack("<Q", a.memo.get("head", 0) - 16))
        a.note("get_robust_list() answered another head")


@scenario(id="QD-033", title="Answer get_robust_list() with a length of 8",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="get_robust_list() reports sizeof(struct robust_list_head), 24.")
def qd_robust_len(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) registers a robust-list head of 24 bytes and
    reads it back with get_robust_list(0, &p, &len); len / 8 - 3 names the label (0).
    2. Let the call run, then store len 8 and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the first copy. set_robust_list
    refuses any length but sizeof(*head) and get_robust_list writes that constant."""
    patch_output(adv, P_ROBUST_HEAD, NUMBERS["get_robust_list"], 2, 0, struct.pack("<Q", 8))


@scenario(id="QD-034", title="Answer PR_GET_TID_ADDRESS with an address 24 bytes before the "
                             "one set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="PR_GET_TID_ADDRESS reports the clear_child_tid word set_tid_address() set.")
def qd_tid_address(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) calls set_tid_address(&word), then
    prctl(PR_GET_TID_ADDRESS, &p), and logs the label (p - &word) / 8 names (0).
    2. Let the call run, then store &word - 24 (set_tid_address's argument, which the
    kernel holds) and answer 0 (the kernel model has no PR_GET_TID_ADDRESS of its own).
    3. The index is -3: the program logs bytes 8..15 of the first copy. Linux stores
    current->clear_child_tid, the word set_tid_address() just set."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["set_tid_address"], during=P_ROBUST_LEN + 1)
    def _(a: Adversary, **_: object) -> None:
        a.memo["word"] = int(a.el1.syscall_args()[0])

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["prctl"], during=P_TID_ADDRESS)
    def _(a: Adversary, **_: object) -> None:
        where = int(a.el1.syscall_args()[1])
        a.kernel.uaccess.write(where, struct.pack("<Q", a.memo.get("word", 0) - 24))
        a.set_reg("x0", 0)
        a.note("PR_GET_TID_ADDRESS answered another word")


# --- a guard: records that run past the count --------------------------------------------------
@scenario(id="QD-035", title="List a directory record that runs past the count returned",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="getdents64() records tile the count it returns.")
def qd_dents_past_count(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) lists "/" with getdents64() and walks the
    records by d_reclen while the offset is under the count; for each it logs the label
    strlen(d_name) - 1 names (when under 4).
    2. Let the call run, then write ".", ".." and a record with an empty name, and answer
    a count that ends 8 bytes into that third record.
    3. The program walks into the third record and its empty name: index -1, bytes
    24..31 of the first copy. Linux's filldir64 only ever hands back whole records."""
    records = root_listing(b"")
    patch_output(adv, P_DENTS_KIND, NUMBERS["getdents64"], 1, 0, records,
           result=len(records) - 16)


@scenario(id="QD-036", title="Answer F_GETPIPE_SZ with half the size F_SETPIPE_SZ set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="F_GETPIPE_SZ of a pipe only the program holds reports the size its "
               "F_SETPIPE_SZ answered.")
def qd_pipe_size(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) sets its own pipe's size with
    fcntl(F_SETPIPE_SZ, 8192) (answered 8192), reads it with F_GETPIPE_SZ and logs the
    label size / 4096 - 2 names (0).
    2. Let the call run and answer 4096.
    3. The index is -1: the program logs bytes 24..31 of the first copy. Only
    F_SETPIPE_SZ on the pipe changes its size, and the program holds both ends: Linux
    reports pipe->max_usage pages, the 8192 bytes just set."""
    answer(adv, P_PIPE_SIZE, NUMBERS["fcntl"], 4096)


@scenario(id="QD-037", title="Write past a pipe read's count into the rest of the buffer",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"), program=CONTENTS,
          prop="read() changes no byte of the buffer past the count it returns.")
def qd_read_tail(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) zeroes a 64-byte buffer, writes 8 bytes into
    its own pipe, reads them with read(pipe, buf, 32) and looks up the kind
    strlen(buf) - n (0: the zeros past the count end the string).
    2. Let the call run (8 bytes), then write 4 more bytes at buf + 8, inside the 32 the
    program offered, and answer 8.
    3. The kind is 4: the program logs bytes 0..7 of the second copy. Linux's pipe read
    copies exactly the bytes it returns (copy_page_to_iter of n bytes into a mapped
    buffer): the rest of the buffer is as the program left it."""
    patch_output(adv, P_READ_TAIL, NUMBERS["read"], 1, 8, b"zzzz")


@scenario(id="QD-038", title="Answer SO_PEERCRED of the program's own socketpair with another "
                             "pid",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="SO_PEERCRED of a socketpair names the process that made the pair.")
def qd_peercred(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) makes socketpair(AF_UNIX, SOCK_DGRAM), calls
    getsockopt(SO_PEERCRED) on one end and logs the label cred.pid - getpid() names (0),
    as a server that authenticates its peer by pid does.
    2. Let the call run, then write a ucred whose pid is the program's less 2 (uid and
    gid 0) and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the first copy. socketpair()
    stamps both ends with the caller's credentials (init_peercred): the peer is the
    program itself."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["getsockopt"], during=P_PEERCRED)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        a.memo["cred"] = (int(a.el1.syscall_args()[3]), thread.process.pid)

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["getsockopt"], during=P_PEERCRED)
    def _(a: Adversary, **_: object) -> None:
        where, pid = a.memo["cred"]
        a.kernel.uaccess.write(where, struct.pack("<iII", pid - 2, 0, 0))
        a.note(f"SO_PEERCRED answered pid {pid - 2}")


@scenario(id="QD-039", title="Answer sysinfo() with an uptime two seconds behind "
                             "CLOCK_BOOTTIME",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="sysinfo()'s uptime is CLOCK_BOOTTIME's seconds (rounded up), never behind "
               "a reading taken before.")
def qd_sysinfo_uptime(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) reads CLOCK_BOOTTIME, then calls sysinfo() and
    logs the label uptime - the clock's whole seconds names (0 or 1).
    2. Answer the clock 100 s (the kernel's to say how long ago it booted), then write
    sysinfo's uptime 98 s and answer 0.
    3. The index is -2: the program logs bytes 16..23 of the first copy. Linux's
    do_sysinfo takes the uptime from ktime_get_boottime_ts64 (plus one for a part
    second): it never runs behind CLOCK_BOOTTIME."""
    patch_output(adv, P_READ_TAIL + 1, NUMBERS["clock_gettime"], 1, 0, struct.pack("<qq", BOOT_S, 0))
    patch_output(adv, P_UPTIME, NUMBERS["sysinfo"], 0, 0, struct.pack("<q", BOOT_S - 2))


@scenario(id="QD-040", title="Answer PR_GET_NO_NEW_PRIVS with 0 after the program set it",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CONTENTS,
          prop="PR_GET_NO_NEW_PRIVS answers 1 once the process set no_new_privs: the flag "
               "is never cleared.")
def qd_no_new_privs(adv: Adversary) -> None:
    """1. The program (secret_r22_contents) sets no_new_privs with
    prctl(PR_SET_NO_NEW_PRIVS, 1) (answered 0), reads it with PR_GET_NO_NEW_PRIVS and
    logs the label flag - 1 names (0), as code deciding whether its sandbox holds does.
    2. Let the call run and answer 0 (the kernel model answers EINVAL: any answer here
    is the kernel's choice).
    3. The index is -1: the program logs bytes 24..31 of the first copy. no_new_privs is
    sticky (task_set_no_new_privs has no clear; fork and exec keep it): Linux answers 1."""
    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["prctl"], during=P_NO_NEW_PRIVS)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", 0)
        a.note("PR_GET_NO_NEW_PRIVS answered 0")
