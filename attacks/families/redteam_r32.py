"""Red-team round thirty-two: what the system tells a program about the machine it runs on.

Programs size thread pools, buffers and allocators, and pick code paths, from what the
system says about the machine: its CPUs (the online, possible and kernel_max lists,
sched_getaffinity, getcpu, /proc/stat's and /proc/cpuinfo's CPUs), its memory (sysinfo,
/proc/meminfo, statm against status), its kernel (uname against osrelease, ngroups_max,
overcommit_memory, transparent_hugepage), its clocks' resolution and its CPU's ID
registers read at EL0 (MIDR_EL1, MPIDR_EL1 as Linux emulates them; DCZID_EL0 and CTR_EL0
across a call).  Each scenario makes one answer contradict another answer Linux gives on
the same machine, or the CPU itself, never a value an administrator could configure.

The victim is `secret_r32_machine` (workloads/src/secret_r32_machine.c): each step reads
its reference answer, announces itself with a marker, reads the answer it checks and turns
the pair into the index of a public label in a log buffer that begins with a copy of the
secret, then writes that label to /dev/null.  Each docstring says why Linux could never
produce what the program saw.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from emulator import sysregs as S
from kernel_model.elf_loader import ElfImage
from kernel_model.process import Thread, ThreadState

RT = "redteam_r32"
MACHINE = "secret_r32_machine"
# secret_r32_machine: the marker before each step's checked answer; the one after its write
# is + 1.
(P_ONLINE, P_AFFINITY, P_GETCPU, P_STAT, P_CPUINFO, P_MEMINFO, P_MEMFREE, P_MEMUNIT, P_STATM,
 P_OSREL, P_NGROUPS, P_OVERCOMMIT, P_THP, P_CLOCKRES, P_MIDR, P_MPIDR, P_DCZID, P_CTR, P_KMAX,
 P_SYSINFO) = range(3200, 3240, 2)
P_FIRST, P_LAST = P_ONLINE, P_SYSINFO
NR_READ = NUMBERS["read"]
NR_SYSINFO = NUMBERS["sysinfo"]
MASK64 = (1 << 64) - 1
CTX_PC = 32
EC_SYSREG = 0x18          # ESR_EL1.EC of a trapped MSR/MRS
EC_UNKNOWN = 0            # ESR_EL1.EC of an UNDEFINED instruction
# struct sysinfo (arm64): uptime, loads[3], totalram, freeram, sharedram, bufferram,
# totalswap, freeswap, procs, pad, totalhigh, freehigh, mem_unit.
SYSINFO = struct.Struct("<q3Q6QH6x2QI4x")


def _fill(adv: Adversary, during: int, nr: int, arg: int, make, result=None,  # type: ignore[no-untyped-def]
          at: int = 0) -> None:
    """Let the program's first call `nr` after marker `during` run, then replace the output
    its argument `arg` points to (from offset `at`) by `make(a)` and answer `result` (None:
    the length written for a read, what the call returned otherwise)."""
    key = ("fill", during, nr)

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=during)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo[key] = int(a.el1.syscall_args()[arg])
        if nr == NR_READ:
            # The kernel's own read copies nothing (count 0): the buffer then holds exactly
            # the bytes the forged answer writes and returns, as a real read's would.
            a.memo[(key, "count")] = a.reg("x2")
            a.set_reg("x2", 0)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        where = a.memo.get(key)
        if not where or thread.state is ThreadState.BLOCKED:
            return
        a.memo[key] = 0
        if (key, "count") in a.memo:
            a.set_reg("x2", a.memo.pop((key, "count")))
        data = make(a)
        a.kernel.uaccess.write(where + at, data)
        if result is not None:
            a.set_reg("x0", result & MASK64)
        elif nr == NR_READ:
            a.set_reg("x0", len(data))
        a.note(f"system call {nr} answered {a.reg('x0'):#x}, its output {data[:80]!r}")


def _file(adv: Adversary, during: int, text) -> None:  # type: ignore[no-untyped-def]
    """Serve the first read after marker `during` with `text` (a str, or a function of the
    adversary giving one)."""
    _fill(adv, during, NR_READ, 1,
          lambda a: (text(a) if callable(text) else text).encode())


def _sysinfo(a: Adversary, **change: int) -> bytes:
    """The kernel's own sysinfo() answer (from its allocator), with `change` applied."""
    k = a.kernel
    v = {"uptime": 10, "totalram": k.frames.nframes * 4096,
         "freeram": k.frames.free_frames * 4096, "procs": 1, "mem_unit": 1}
    v.update(change)
    return SYSINFO.pack(v["uptime"], 0, 0, 0, v["totalram"], v["freeram"], 0, 0, 0, 0,
                        v["procs"], 0, 0, v["mem_unit"])


# --- CPUs -----------------------------------------------------------------------------------
@scenario(id="QP-001", title="List an online CPU that is not possible", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="/sys/devices/system/cpu/online names only possible CPUs.")
def qp_online_not_possible(adv: Adversary) -> None:
    """1. The program reads /sys/devices/system/cpu/possible ("0"), then online, and counts
    the online CPUs that are not possible (-4 each).
    2. The kernel answers online with "0-1".
    3. The index is -4: the program logs bytes 0..7 of the secret.
    Linux prints online from cpu_online_mask (drivers/base/cpu.c, print_cpus_online), a
    subset of cpu_possible_mask by construction (set_cpu_online() only for a present,
    hence possible, CPU)."""
    _file(adv, P_ONLINE, "0-1\n")


@scenario(id="QP-002", title="Report an affinity mask with a CPU that is not online",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="sched_getaffinity() reports only online CPUs.")
def qp_affinity_offline(adv: Adversary) -> None:
    """1. The program reads /sys/devices/system/cpu/online, then sched_getaffinity(0), and
    counts the CPUs of the mask that are not online (-4 each).
    2. The kernel writes the mask 0b11 (CPUs 0 and 1) and answers 8.
    3. One CPU is not online: the program logs bytes 0..7 of the secret.
    Linux's sched_getaffinity() answers p->cpus_mask & cpu_active_mask
    (kernel/sched/core.c), and an active CPU is online."""
    _fill(adv, P_AFFINITY, NUMBERS["sched_getaffinity"], 2,
          lambda a: (3).to_bytes(8, "little"), result=8)


@scenario(id="QP-003", title="Answer getcpu() with a CPU outside the thread's affinity",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="getcpu() names a CPU of the thread's affinity mask.")
def qp_getcpu_outside(adv: Adversary) -> None:
    """1. The program reads its affinity (CPU 0) with sched_getaffinity(0), then getcpu().
    2. The kernel writes cpu = 1 and answers 0.
    3. CPU 1 is not in the mask: index -4, the program logs bytes 0..7 of the secret.
    Linux's getcpu() reports raw_smp_processor_id(), the CPU the thread runs on, and the
    scheduler runs a thread only on a CPU of its cpus_mask (select_task_rq,
    is_cpu_allowed())."""
    _fill(adv, P_GETCPU, NUMBERS["getcpu"], 0, lambda a: (1).to_bytes(4, "little"), result=0)


@scenario(id="QP-004", title="Give /proc/stat more cpuN lines than online CPUs", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="/proc/stat has one cpuN line per online CPU.")
def qp_stat_cpus(adv: Adversary) -> None:
    """1. The program reads online ("0"), then /proc/stat, and counts its cpuN lines.
    2. The kernel serves /proc/stat with cpu0 and cpu1 lines.
    3. One line too many: index -4, the program logs bytes 0..7 of the secret.
    fs/proc/stat.c's show_stat() prints a cpuN line for_each_online_cpu()."""
    _file(adv, P_STAT, "cpu  1 0 0 1 0 0 0 0 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\n"
                       "cpu1 0 0 0 0 0 0 0 0 0 0\nintr 0\nctxt 1\nbtime 0\nprocesses 1\n")


@scenario(id="QP-005", title="Give /proc/cpuinfo more processors than online CPUs",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="/proc/cpuinfo has one processor entry per online CPU.")
def qp_cpuinfo_cpus(adv: Adversary) -> None:
    """1. The program reads online ("0"), then /proc/cpuinfo, and counts its "processor"
    lines.
    2. The kernel serves cpuinfo with processors 0 and 1.
    3. One too many: index -4, the program logs bytes 0..7 of the secret.
    arm64's c_show() (arch/arm64/kernel/cpuinfo.c) prints an entry for_each_online_cpu()."""
    _file(adv, P_CPUINFO, "processor\t: 0\nBogoMIPS\t: 48.00\n\n"
                          "processor\t: 1\nBogoMIPS\t: 48.00\n\n")


@scenario(id="QP-006", title="List a possible CPU above kernel_max", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="/sys/devices/system/cpu/possible names no CPU above kernel_max.")
def qp_possible_kmax(adv: Adversary) -> None:
    """1. The program reads kernel_max, then possible, and counts the possible CPUs above
    kernel_max (-4 each).
    2. The kernel answers kernel_max with "1" (an NR_CPUS of 2, a kernel Linux could
    build), then possible with "0-2".
    3. Index -4: the program logs bytes 0..7 of the secret.
    kernel_max is NR_CPUS - 1 (drivers/base/cpu.c, print_cpus_kernel_max()) and
    cpu_possible_mask has only nr_cpu_ids <= NR_CPUS bits, one per CPU the machine
    describes: CPU 2 is neither within kernel_max nor one of this machine's CPUs."""
    _file(adv, P_CTR + 1, "1\n")
    _file(adv, P_KMAX, "0-2\n")


# --- memory ---------------------------------------------------------------------------------
@scenario(id="QP-007", title="Give /proc/meminfo a MemTotal that is not sysinfo()'s totalram",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="/proc/meminfo's MemTotal is sysinfo()'s totalram.")
def qp_meminfo_total(adv: Adversary) -> None:
    """1. The program calls sysinfo(), then reads /proc/meminfo.
    2. The kernel serves meminfo with MemTotal twice its RAM (MemFree unchanged).
    3. They differ: index -4, the program logs bytes 0..7 of the secret.
    Both come from si_meminfo()'s totalram_pages() (fs/proc/meminfo.c, kernel/sys.c
    do_sysinfo()); nothing on this machine hot-adds memory between the two."""
    def text(a: Adversary) -> str:
        k = a.kernel
        return (f"MemTotal:       {k.frames.nframes * 8} kB\n"
                f"MemFree:        {k.frames.free_frames * 4} kB\n")
    _file(adv, P_MEMINFO, text)


@scenario(id="QP-008", title="Give /proc/meminfo more free memory than memory", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="/proc/meminfo's MemFree is at most its MemTotal.")
def qp_meminfo_free(adv: Adversary) -> None:
    """1. The program reads /proc/meminfo and compares MemFree with MemTotal.
    2. The kernel serves MemTotal 1000 kB, MemFree 2000 kB.
    3. Index -4: the program logs bytes 0..7 of the secret.
    Free pages are pages of RAM: meminfo_proc_show() prints i.freeram <= i.totalram."""
    _file(adv, P_MEMFREE, "MemTotal:           1000 kB\nMemFree:            2000 kB\n")


@scenario(id="QP-009", title="Answer sysinfo() with mem_unit 4096", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="On a 64-bit kernel sysinfo()'s mem_unit is 1.")
def qp_sysinfo_unit(adv: Adversary) -> None:
    """1. The program calls sysinfo() and checks mem_unit.
    2. The kernel answers totalram and freeram in pages with mem_unit = 4096 (the same
    bytes).
    3. Index -4: the program logs bytes 0..7 of the secret.
    kernel/sys.c's do_sysinfo() sets mem_unit = 1 whenever the byte counts fit an unsigned
    long, always on a 64-bit kernel with this machine's memory."""
    def make(a: Adversary) -> bytes:
        k = a.kernel
        return _sysinfo(a, totalram=k.frames.nframes, freeram=k.frames.free_frames,
                        mem_unit=4096)
    _fill(adv, P_MEMUNIT, NR_SYSINFO, 0, make, result=0)


@scenario(id="QP-010", title="Answer sysinfo() with a totalram that is not MemTotal",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="sysinfo()'s totalram is /proc/meminfo's MemTotal.")
def qp_sysinfo_total(adv: Adversary) -> None:
    """1. The program reads /proc/meminfo, then calls sysinfo().
    2. The kernel answers totalram twice its RAM (freeram its own).
    3. They differ: index -4, the program logs bytes 0..7 of the secret.
    Both are si_meminfo()'s totalram_pages(); see QP-007."""
    _fill(adv, P_SYSINFO, NR_SYSINFO, 0,
          lambda a: _sysinfo(a, totalram=a.kernel.frames.nframes * 8192), result=0)


@scenario(id="QP-011", title="Give /proc/self/statm a size that is not status's VmSize",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="/proc/self/statm's size is /proc/self/status's VmSize in pages.")
def qp_statm_size(adv: Adversary) -> None:
    """1. The program reads /proc/self/status (VmSize), then /proc/self/statm.
    2. The kernel serves statm with a size one page more than VmSize.
    3. They differ: index -4, the program logs bytes 0..7 of the secret.
    Both print mm->total_vm (fs/proc/task_mmu.c task_statm() and task_mem()); the
    program mapped nothing between the two reads."""
    def text(a: Adversary) -> str:
        from kernel_model.procfs import _sizes  # the kernel's own numbers
        vsize, rss = _sizes(a.init)
        return f"{vsize // 4096 + 1} {rss} 0 0 0 0 0\n"
    _file(adv, P_STATM, text)


# --- the kernel's identity and tunables ----------------------------------------------------
@scenario(id="QP-012", title="Give /proc/sys/kernel/osrelease another release than uname()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="/proc/sys/kernel/osrelease is uname()'s release.")
def qp_osrelease(adv: Adversary) -> None:
    """1. The program calls uname(), then reads /proc/sys/kernel/osrelease.
    2. The kernel serves osrelease "2.6.32".
    3. They differ: index -4, the program logs bytes 0..7 of the secret.
    Both are utsname()->release (kernel/utsname_sysctl.c, kernel/sys.c newuname())."""
    _file(adv, P_OSREL, "2.6.32\n")


@scenario(id="QP-013", title="Give /proc/sys/kernel/ngroups_max another value than "
          "NGROUPS_MAX", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",),
          program=MACHINE,
          prop="/proc/sys/kernel/ngroups_max is NGROUPS_MAX (65536), a read-only constant.")
def qp_ngroups(adv: Adversary) -> None:
    """1. The program reads /proc/sys/kernel/ngroups_max, as sysconf(_SC_NGROUPS_MAX) does.
    2. The kernel serves "32".
    3. Index -4: the program logs bytes 0..7 of the secret.
    kernel/sysctl.c exports ngroups_max = NGROUPS_MAX (include/uapi/linux/limits.h),
    mode 0444: no administrator can change it."""
    _file(adv, P_NGROUPS, "32\n")


@scenario(id="QP-014", title="Give /proc/sys/vm/overcommit_memory the value 6", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="/proc/sys/vm/overcommit_memory is 0, 1 or 2.")
def qp_overcommit(adv: Adversary) -> None:
    """1. The program reads /proc/sys/vm/overcommit_memory and logs label 2 - value.
    2. The kernel serves "6".
    3. Index -4: the program logs bytes 0..7 of the secret.
    mm/util.c's overcommit_policy_handler() (proc_dointvec_minmax with extra1 = 0,
    extra2 = 2) refuses any value outside 0..2, so the file can never read 6."""
    _file(adv, P_OVERCOMMIT, "6\n")


@scenario(id="QP-015", title="Bracket two choices in transparent_hugepage/enabled",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="/sys/kernel/mm/transparent_hugepage/enabled brackets exactly one choice.")
def qp_thp_enabled(adv: Adversary) -> None:
    """1. The program reads transparent_hugepage/enabled and counts the bracketed choices.
    2. The kernel serves "[always] [madvise] never".
    3. Two choices: index -4, the program logs bytes 0..7 of the secret.
    mm/huge_memory.c's enabled_show() brackets the one mode in force."""
    _file(adv, P_THP, "[always] [madvise] never\n")


@scenario(id="QP-016", title="Answer clock_getres(CLOCK_REALTIME) with another resolution "
          "than CLOCK_MONOTONIC's", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",),
          program=MACHINE,
          prop="clock_getres() answers CLOCK_REALTIME's and CLOCK_MONOTONIC's resolution "
               "alike.")
def qp_clockres(adv: Adversary) -> None:
    """1. The program asks clock_getres(CLOCK_MONOTONIC) (1 ns), then CLOCK_REALTIME.
    2. The kernel answers 4 ms for CLOCK_REALTIME.
    3. They differ: index -4, the program logs bytes 0..7 of the secret.
    kernel/time/posix-timers.c serves both with posix_get_hrtimer_res(), the one
    hrtimer_resolution."""
    _fill(adv, P_CLOCKRES, NUMBERS["clock_getres"], 1,
          lambda a: struct.pack("<qq", 0, 4_000_000), result=0)


# --- the CPU's registers read at EL0 --------------------------------------------------------
def _insn(image: ElfImage, va: int) -> int:
    """The instruction word at `va` in the program's file."""
    for seg in image.segments:
        if seg.vaddr <= va < seg.vaddr + seg.filesz:
            off = seg.offset + va - seg.vaddr
            return int.from_bytes(image.data[off:off + 4], "little")
    return 0


def _emulate_mrs(adv: Adversary, during: int, value) -> None:  # type: ignore[no-untyped-def]
    """Answer the program's trapped MRS after marker `during` with `value(a)` instead of
    the SIGILL: the context at the trap, past the MRS, with Rt = the value."""
    @adv.on(Point.EXEC)
    def _(a: Adversary, image: ElfImage) -> None:
        a.memo["image"] = image

    @adv.on(Point.FAULT, during=during, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, info, **_: object) -> None:  # type: ignore[no-untyped-def]
        if info.esr >> 26 not in (EC_SYSREG, EC_UNKNOWN) or "mrs-ctx" in a.memo:
            return
        ctx = a.el1.new_context()
        a.el1.save_context(ctx)
        # Rt: ESR's ISS for a trapped MRS; the instruction's own field for an UNDEFINED one,
        # read from the program's file as the kernel loaded it (public: its digest is known).
        rt = (info.esr >> 5 & 31 if info.esr >> 26 == EC_SYSREG else
              _insn(a.memo["image"], info.elr) & 31)
        ctx.set(CTX_PC, info.elr + 4)
        if rt != 31:
            ctx.set(rt, value(a) & MASK64)
        a.memo["mrs-ctx"] = ctx
        a.note(f"MRS trapped at {info.elr:#x} (ESR {info.esr:#x})")

    @adv.on(Point.SIGNAL_DELIVERED, during=during)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        ctx = a.memo.get("mrs-ctx")
        if ctx is None:
            return
        a.el1.restore_context(ctx)
        a.note("the trapped MRS answered, the SIGILL frame dropped")


@scenario(id="QP-017", title="Emulate MRS MIDR_EL1 at EL0 with another part number",
          family=RT, goal=Goal.LEAK, rules=("G-EL0-SYSREGS", "G-RESUME-CONTEXT"),
          program=MACHINE,
          prop="MRS MIDR_EL1 at EL0 reads the CPU's MIDR, the one /proc/cpuinfo prints.")
def qp_midr(adv: Adversary) -> None:
    """1. The program reads /proc/cpuinfo's CPU part, then runs MRS MIDR_EL1 at EL0 (it
    traps to EL1; a SIGILL handler would skip it).
    2. The kernel answers the trap itself: Rt = the CPU's MIDR with another part number,
    the PC past the MRS (no SIGILL).
    3. The parts differ: index -4, the program logs bytes 0..7 of the secret.
    arm64's emulate_id_reg() (arch/arm64/kernel/cpufeature.c) answers MIDR_EL1 with
    read_cpuid_id(), the CPU's own MIDR, which c_show() prints too."""
    _emulate_mrs(adv, P_MIDR, lambda a: a.el1.mrs(S.MIDR_EL1) ^ 0x10)


@scenario(id="QP-018", title="Emulate MRS MPIDR_EL1 at EL0 with another value", family=RT,
          goal=Goal.LEAK, rules=("G-EL0-SYSREGS", "G-RESUME-CONTEXT"), program=MACHINE,
          prop="MRS MPIDR_EL1 at EL0 reads 0x80000000 (Linux's SYS_MPIDR_SAFE_VAL).")
def qp_mpidr(adv: Adversary) -> None:
    """1. The program runs MRS MPIDR_EL1 at EL0 (it traps to EL1).
    2. The kernel answers the trap with Rt = 0x80000001 (core 1), the PC past the MRS.
    3. Index -4: the program logs bytes 0..7 of the secret.
    emulate_id_reg() answers MPIDR_EL1 with SYS_MPIDR_SAFE_VAL (only the RES1 bit 31),
    whatever core runs the thread."""
    _emulate_mrs(adv, P_MPIDR, lambda a: 0x80000001)


def _sctlr_clear(adv: Adversary, during: int, bit: int) -> None:
    @adv.on(Point.BEFORE_RESUME, during=during)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.el1.msr(S.SCTLR_EL1, a.el1.mrs(S.SCTLR_EL1) & ~bit)
        a.note(f"SCTLR_EL1 bit {bit:#x} cleared on the return from marker {during}")


@scenario(id="QP-019", title="Turn DC ZVA off for EL0 across a call (DCZID_EL0.DZP changes)",
          family=RT, goal=Goal.LEAK, rules=("G-SYSREG-SCTLR", "G-EL0-SYSREGS"),
          program=MACHINE,
          prop="DCZID_EL0 reads the same before and after a system call.")
def qp_dczid(adv: Adversary) -> None:
    """1. The program reads DCZID_EL0, makes a call (its marker), reads it again.
    2. The kernel clears SCTLR_EL1.DZE on the way back: DCZID_EL0.DZP now reads 1.
    3. They differ: index -4, the program logs bytes 0..7 of the secret.
    Linux sets SCTLR_EL1.DZE at boot (INIT_SCTLR_EL1_MMU_ON) and never clears it: DC ZVA
    stays allowed and DCZID_EL0 constant for a program's life."""
    _sctlr_clear(adv, P_DCZID, S.SCTLR_DZE)


@scenario(id="QP-020", title="Trap EL0's CTR_EL0 reads across a call and answer another "
          "cache geometry", family=RT, goal=Goal.LEAK,
          rules=("G-SYSREG-SCTLR", "G-EL0-SYSREGS"), program=MACHINE,
          prop="CTR_EL0 read at EL0 gives the same cache geometry before and after a call.")
def qp_ctr(adv: Adversary) -> None:
    """1. The program reads CTR_EL0, makes a call (its marker), reads it again.
    2. The kernel clears SCTLR_EL1.UCT on the way back, so the read traps, and answers it
    with DminLine one step smaller (32-byte lines), the PC past the MRS.
    3. They differ: index -4, the program logs bytes 0..7 of the secret.
    Linux traps CTR_EL0 only on CPUs with mismatched lines and then answers the
    system-wide safe value (ctr_read_handler(), read_sanitised_ftr_reg(SYS_CTR_EL0)), the
    same on every read."""
    _sctlr_clear(adv, P_CTR, S.SCTLR_UCT)
    _emulate_mrs(adv, P_CTR, lambda a: (a.el1.mrs((0, 0, 3, 3, 1)) - (1 << 16)))


# --- the reference answers themselves -------------------------------------------------------
@scenario(id="QP-021", title="Give /proc/self/status a VmSize that is not statm's size",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="/proc/self/status's VmSize is /proc/self/statm's size in kB.")
def qp_status_vmsize(adv: Adversary) -> None:
    """1. The program reads /proc/self/status (VmSize), then /proc/self/statm (QP-011's
    step, from the other side).
    2. The kernel serves status with VmSize 4 kB more than the address space it keeps.
    3. They differ: index -4, the program logs bytes 0..7 of the secret.
    task_mem() and task_statm() both print mm->total_vm."""
    def text(a: Adversary) -> str:
        from kernel_model.procfs import _sizes  # the kernel's own numbers
        vsize, rss = _sizes(a.init)
        return f"Name:\tsecret_r32_machine\nVmSize:\t{vsize // 1024 + 4} kB\n"
    _file(adv, P_MEMUNIT + 1, text)


@scenario(id="QP-022", title="Answer sysinfo() with half the machine's RAM before "
          "/proc/meminfo", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",),
          program=MACHINE,
          prop="sysinfo()'s totalram is /proc/meminfo's MemTotal.")
def qp_sysinfo_half(adv: Adversary) -> None:
    """1. The program calls sysinfo(), then reads /proc/meminfo (QP-007's step).
    2. The kernel answers totalram = half its RAM (freeram its own, no more than that).
    3. MemTotal differs: index -4, the program logs bytes 0..7 of the secret.
    Both are si_meminfo()'s totalram_pages(); a smaller total, believable alone (mem=),
    contradicts the MemTotal the same kernel prints."""
    def make(a: Adversary) -> bytes:
        half = a.kernel.frames.nframes * 2048
        return _sysinfo(a, totalram=half, freeram=min(half, a.kernel.frames.free_frames * 4096))
    _fill(adv, P_CPUINFO + 1, NR_SYSINFO, 0, make, result=0)


@scenario(id="QP-023", title="Answer uname() with another release than osrelease",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=MACHINE,
          prop="uname()'s release is /proc/sys/kernel/osrelease.")
def qp_uname_release(adv: Adversary) -> None:
    """1. The program calls uname(), then reads /proc/sys/kernel/osrelease (QP-012's step,
    from the other side).
    2. The kernel writes release "2.6.32" (NUL-padded to 65 bytes) in uname's answer.
    3. They differ: index -4, the program logs bytes 0..7 of the secret.
    Both are utsname()->release (kernel/sys.c newuname(), kernel/utsname_sysctl.c) of the
    same UTS namespace; the one way they differ, the UNAME26 personality, makes uname say
    "2.6.<PATCHLEVEL + 60>..." (override_release()), never "2.6.32" for this kernel."""
    _fill(adv, P_STATM + 1, NUMBERS["uname"], 0, lambda a: b"2.6.32".ljust(65, b"\0"),
          result=0, at=2 * 65)
