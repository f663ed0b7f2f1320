"""A DMA-capable device programmed by the kernel against confidential memory."""

from __future__ import annotations

import struct

from attacks.adversary import PAGE, USER_RW, Adversary
from attacks.dma import DmaDenied
from attacks.families.page_tables import attacker_frame
from attacks.families.remap import alias_in_linear_map
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_LEN, SECRET_OFF, Phase
from emulator import descriptors as D

DM = "dma"
RING = 64          # frames the device is handed as receive buffers


def _heap_frame(adv: Adversary) -> int:
    pa = adv.pa_of(adv.layout.heap)
    assert pa is not None
    return pa & ~(PAGE - 1)


@scenario(id="DM-001", title="DMA-read the heap frame", family=DM, goal=Goal.LEAK,
          actor="device", rules=("G-DMA-FILTER",),
          prop="A device cannot read a confidential frame.")
def dm_read(adv: Adversary) -> None:
    """1. At PLACED, program the device to copy the heap frame out (a NIC transmit)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.observe(a.dma.read(_heap_frame(a), PAGE), "DMA read")


@scenario(id="DM-002", title="DMA-write zeros over the heap secret", family=DM,
          goal=Goal.TAMPER, actor="device", rules=("G-DMA-FILTER",),
          prop="A device cannot write a confidential frame.")
def dm_write(adv: Adversary) -> None:
    """1. At PLACED, program the device to store zeros over the heap copy of the secret."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.dma.write(_heap_frame(a) + SECRET_OFF, bytes(SECRET_LEN))


@scenario(id="DM-003", title="DMA-write the confidential page table", family=DM,
          goal=Goal.TAMPER, actor="device", rules=("G-DMA-FILTER",),
          prop="A device cannot write a translation table.")
def dm_table(adv: Adversary) -> None:
    """1. At PLACED, find the level-3 entry mapping the heap page.
    2. Program the device to store a leaf for a kernel frame there."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        last = a.walk(a.layout.heap)[-1]
        desc = D.leaf_descriptor(attacker_frame(a), USER_RW)
        a.dma.write(last.table + 8 * last.index, struct.pack("<Q", desc))
        a.el1.tlbi_all()


@scenario(id="DM-004", title="DMA-edit the linear map's tables", family=DM, goal=Goal.LEAK,
          actor="device", rules=("G-DMA-FILTER", "G-LM-OWN"),
          prop="A device cannot read or write the Guardian's own frames.")
def dm_linear_map(adv: Adversary) -> None:
    """1. Walk the linear map from TTBR1 with device reads.
    2. With a device write, add an alias entry for the heap frame; load through it."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        alias = alias_in_linear_map(
            a, _heap_frame(a), lambda p: struct.unpack("<Q", a.dma.read(p, 8))[0],
            lambda p, v: a.dma.write(p, struct.pack("<Q", v)))
        a.observe(a.el1.read(alias, PAGE), "linear-map alias made by DMA")


@scenario(id="DM-005", title="Keep DMA-ing into buffers that became confidential", family=DM,
          goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER",),
          prop="The filter is consulted at every transfer, so a stale device address grants "
               "nothing once its frame turns confidential.")
def dm_stale(adv: Adversary) -> None:
    """1. At START, hand the device the next frames the allocator will give out.
    2. At PLACED (some of them now hold the program's pages), read them all by DMA."""
    @adv.at(Phase.START)
    def _(a: Adversary) -> None:
        ring = [a.alloc_frame() for _ in range(RING)]
        for pa in ring:
            a.kernel.frames.put(pa)
        a.memo["ring"] = ring

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        denied = 0
        for pa in a.memo["ring"]:
            try:
                a.observe(a.dma.read(pa, PAGE), f"DMA read of {pa:#x}")
            except DmaDenied:
                denied += 1
        if denied:
            a.refused(f"DmaDenied: {denied} of {RING} ring buffers")
