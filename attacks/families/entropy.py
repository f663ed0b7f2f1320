"""Keys and entropy: what the kernel can compute from what it was given.

The kernel knows the machine seed (boot information) and the domain numbers
(it asked for the domains).  If a domain's sealing key is a function of
those, a sealed swap page is no seal at all; if the program's randomness is
served by the kernel, the kernel knows the program's secret before the
program does.
"""

from __future__ import annotations

import hashlib
import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from abi import Call
from attacks.adversary import Adversary
from attacks.families.secure_mm import SEAL_HEADER, swap_in, swap_out
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_LEN, SECRET_OFF, Phase
from emulator.el1 import El1Fault

KY = "keys"
DOMAINS_TRIED = 4           # the first domains the kernel asked for
DRAWS = 64                  # the kernel's own random stream, this far


def derived_keys(seed: int) -> list[tuple[int, bytes]]:
    """Keys a Guardian would get by hashing what the kernel also knows."""
    return [(n, hashlib.sha256(b"blindfold-domain" + struct.pack("<QQ", seed, n)).digest())
            for n in range(1, DOMAINS_TRIED + 1)]


def _aad(blob: bytes, domain: int, va: int) -> tuple[bytes, bytes]:
    version = struct.unpack_from("<Q", blob, 8)[0]
    return struct.pack("<QI", version, 0), blob[:SEAL_HEADER] + struct.pack("<QQ", domain, va)


def open_sealed(adv: Adversary, blob: bytes, va: int) -> tuple[int, bytes, bytes] | None:
    """(domain, key, plaintext) if a derived key opens the sealed page."""
    for n, key in derived_keys(adv.kernel.boot_info.seed):
        nonce, aad = _aad(blob, n, va)
        try:
            return n, key, AESGCM(key).decrypt(nonce, blob[SEAL_HEADER:], aad)
        except Exception:  # noqa: BLE001 - InvalidTag: not this key
            continue
    return None


@scenario(id="KY-001", title="Open the sealed heap page with a key derived from the seed",
          family=KY, goal=Goal.LEAK, rules=("G-KEYS-PRIVATE",),
          silent="the sealing key comes from Guardian-private entropy: nothing to refuse",
          prop="A sealed page cannot be opened with anything the kernel knows.")
def ky_open(adv: Adversary) -> None:
    """1. At PLACED, swap the heap page out (SWAP_OUT) and keep the sealed bytes.
    2. Derive candidate keys from the machine seed and the domain numbers; decrypt.
    3. Swap the page back in unchanged."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        blob = swap_out(a, a.layout.heap)
        if blob is None:
            return
        if a.guarded:
            opened = open_sealed(a, blob, a.layout.heap)
            if opened is None:
                a.note("no key derived from the seed opens the sealed page")
            else:
                a.observe(opened[2], f"sealed page opened with domain {opened[0]}'s key")
        swap_in(a, a.layout.heap, blob)


@scenario(id="KY-002", title="Seal a forged heap page with a key derived from the seed",
          family=KY, goal=Goal.TAMPER, rules=("G-KEYS-PRIVATE",),
          prop="Only the Guardian can produce a sealed page that SWAP_IN accepts.")
def ky_forge(adv: Adversary) -> None:
    """1. At PLACED, swap the heap page out; open it with a derived key.
    2. Zero the secret in the plaintext, seal it again under the same key and version.
    3. Swap the forgery in."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        blob = swap_out(a, a.layout.heap)
        if blob is None:
            return
        if not a.guarded:
            forged = blob[:SECRET_OFF] + bytes(SECRET_LEN) + blob[SECRET_OFF + SECRET_LEN:]
            swap_in(a, a.layout.heap, forged)
            return
        opened = open_sealed(a, blob, a.layout.heap)
        if opened is None:
            a.note("no key derived from the seed opens the sealed page")
            swap_in(a, a.layout.heap, blob)
            return
        n, key, plain = opened
        plain = plain[:SECRET_OFF] + bytes(SECRET_LEN) + plain[SECRET_OFF + SECRET_LEN:]
        nonce, aad = _aad(blob, n, a.layout.heap)
        forged = blob[:SEAL_HEADER] + AESGCM(key).encrypt(nonce, plain, aad)
        if not swap_in(a, a.layout.heap, forged):
            swap_in(a, a.layout.heap, blob)


@scenario(id="KY-003", title="Recompute the program's getrandom() from the machine seed",
          family=KY, goal=Goal.LEAK, rules=("G-KEYS-PRIVATE",),
          silent="the Guardian serves getrandom from its own entropy: nothing to refuse",
          prop="Entropy a confidential program asks for is served by the Guardian, from a "
               "seed the kernel never holds.")
def ky_random(adv: Adversary) -> None:
    """1. At PLACED, replay the kernel's own seeded generator (the one that serves
    getrandom and AT_RANDOM) for its first draws.
    2. Keep them: if the kernel served the program's getrandom, its secret is among them."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        seed = a.kernel.boot_info.seed
        stream = b"".join(hashlib.sha256(struct.pack("<QQ", seed, n)).digest()
                          for n in range(1, DRAWS + 1))
        a.observe(stream, "the kernel's own random stream")


AT_RANDOM = 25


def _at_random(adv: Adversary, sp: int) -> tuple[int, bytes] | None:
    """(address, bytes) of AT_RANDOM, from the initial stack the kernel itself built."""
    words: list[int] = []
    for va in range(sp, sp + 4096, 8):       # up to the top of the stack
        try:
            words.append(adv.el1.read_u64(va))
        except El1Fault:
            break
    if not words:
        return None
    i = 1 + words[0] + 1                      # past argc, argv[], NULL
    while i < len(words) and words[i]:
        i += 1                                # envp[]
    i += 1
    while i + 1 < len(words) and words[i]:
        if words[i] == AT_RANDOM:
            return words[i + 1], adv.el1.read(words[i + 1], 16)
        i += 2
    return None


def _knows_at_random(out: Outcome) -> list[str]:
    known = {va: v for va, v in ((k >> 128, (k & ((1 << 128) - 1)).to_bytes(16, "little"))
                                 for k in out.hits.get("at_random", ()))}
    return [f"the kernel knows the program's AT_RANDOM bytes at {va:#x}"
            for va, seen in out.watched.items() if known.get(va) == seen]


@scenario(id="KY-004", title="Know the program's AT_RANDOM (its canary and pointer guard)",
          family=KY, goal=Goal.LEAK, rules=("G-KEYS-PRIVATE",),
          oracle=_knows_at_random,
          silent="the Guardian fills AT_RANDOM from its own entropy: nothing to refuse",
          prop="The AT_RANDOM bytes a confidential program starts with (glibc's stack "
               "canary and pointer guard) are the Guardian's, unknown to the kernel.")
def ky_at_random(adv: Adversary) -> None:
    """1. Before CREATE_DOMAIN, read AT_RANDOM's address and bytes from the initial stack
    the kernel itself built (it also drew those bytes from its seeded generator).
    2. The program runs with them (the referee compares at PLACED)."""
    def remember(a: Adversary, sp: int) -> None:
        found = _at_random(a, sp)
        if found is not None:
            va, raw = found
            a.hit("at_random", (va << 128) | int.from_bytes(raw, "little"))
            a.hit("watch", va)

    @adv.on(Point.HVC, once=False, init_only=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes) -> None:
        if call == Call.CREATE_DOMAIN:
            remember(a, args[2])

    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            remember(a, a.reg("sp"))
