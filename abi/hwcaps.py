"""The CPU capabilities Linux tells a program, and the names /proc/cpuinfo prints for them.

Linux computes one set of capability bits per boot (`elf_hwcap`) from the CPUs' ID
registers and tells a program it in three places: AT_HWCAP/AT_HWCAP2 in the auxiliary
vector, the Features line of /proc/cpuinfo (arch/arm64/kernel/cpuinfo.c, c_show(), one
name per set bit), and whether prctl's per-feature options succeed at all
(PR_SVE_*_VL, PR_SME_*_VL, PR_PAC_*, PR_*_TAGGED_ADDR_CTRL's MTE bits).  The kernel and
the Guardian both read this table: the kernel to print cpuinfo, the Guardian to hold
those answers to the capabilities it checked in the auxiliary vector.
"""

from __future__ import annotations

AT_HWCAP, AT_HWCAP2 = 16, 26

#: AT_HWCAP bit -> its /proc/cpuinfo name (arch/arm64/kernel/cpuinfo.c's order).
HWCAP_NAMES = ("fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics",
               "fphp", "asimdhp", "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3",
               "sm3", "sm4", "asimddp", "sha512", "sve", "asimdfhm", "dit", "uscat", "ilrcpc",
               "flagm", "ssbs", "sb", "paca", "pacg")
#: AT_HWCAP2 bit -> its /proc/cpuinfo name.
HWCAP2_NAMES = ("dcpodp", "sve2", "sveaes", "svepmull", "svebitperm", "svesha3", "svesm4",
                "flagm2", "frint", "svei8mm", "svef32mm", "svef64mm", "svebf16", "i8mm", "bf16",
                "dgh", "rng", "bti", "mte", "ecv", "afp", "rpres", "mte3", "sme", "smei16i64",
                "smef64f64", "smei8i32", "smef16f32", "smeb16f32", "smef32f32", "smefa64",
                "wfxt", "ebf16", "sveebf16")

HWCAP_SVE = 1 << HWCAP_NAMES.index("sve")
HWCAP_PACA = 1 << HWCAP_NAMES.index("paca")     # address authentication
HWCAP_PACG = 1 << HWCAP_NAMES.index("pacg")     # generic authentication
HWCAP2_MTE = 1 << HWCAP2_NAMES.index("mte")
HWCAP2_SME = 1 << HWCAP2_NAMES.index("sme")
HWCAP2_POE = 1 << 63                            # permission overlays (pkeys on arm64)


def feature_names(hwcap: int, hwcap2: int) -> list[str] | None:
    """The Features line's names for these capability words, in Linux's order (None: a
    bit is set that this table has no name for)."""
    if hwcap >> len(HWCAP_NAMES) or hwcap2 >> len(HWCAP2_NAMES):
        return None
    return ([n for i, n in enumerate(HWCAP_NAMES) if hwcap >> i & 1]
            + [n for i, n in enumerate(HWCAP2_NAMES) if hwcap2 >> i & 1])
