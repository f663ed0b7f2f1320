"""MMIO framework and the built-in devices, on their own and under a real Unicorn CPU."""

from __future__ import annotations

import logging
import struct
from typing import ClassVar

import pytest
from unicorn import UC_ARCH_ARM64, UC_MODE_ARM, UC_PROT_ALL, Uc
from unicorn.arm64_const import (
    UC_ARM64_REG_X2,
    UC_ARM64_REG_X3,
    UC_ARM64_REG_X4,
    UC_ARM64_REG_X5,
    UC_ARM64_REG_X6,
)

from emulator.devices import DEVICE_TYPES, UART, Doorbell, make_device, register_device_type
from emulator.devices.doorbell import DOORBELL_ID
from emulator.errors import EmulatorFault
from emulator.machine_config import DeviceConfig, load_machine
from emulator.mmio import Field, MmioBus, MmioDevice, Register

# --- a toy device exercising every access rule -------------------------------------------


class Toy(MmioDevice):
    type_name: ClassVar[str] = "toy"
    registers: ClassVar[tuple[Register, ...]] = (
        Register("CTRL", 0x00, fields=(Field("EN", 0, 1), Field("MODE", 1, 3),
                                       Field("VER", 8, 4, "ro"), Field("IRQ", 12, 2, "w1c"),
                                       Field("KEY", 16, 8, "wo")), reset=0x300),
        Register("STATUS", 0x04, access="ro", reset=0xAB),
        Register("CMD", 0x08, access="wo"),
        Register("PEND", 0x0C, access="w1c", reset=0xF0),
        Register("WIDE", 0x10, width=8),
        Register("BYTE", 0x18, width=1),
    )

    def __init__(self, name: str = "toy0", size: int | None = None) -> None:
        self.commands: list[int] = []
        super().__init__(name, size)

    def on_write_cmd(self, value: int) -> None:
        self.commands.append(value)


def test_field_helpers() -> None:
    f = Field("MODE", 4, 3)
    assert f.mask == 0x70
    assert f.get(0x5A) == 5
    assert f.set(0xFF, 2) == 0xAF
    with pytest.raises(ValueError):
        f.set(0, 8)
    with pytest.raises(ValueError):
        Field("X", 0, 1, "rx")


@pytest.mark.parametrize("kwargs", [
    {"offset": 2},                                             # misaligned for width 4
    {"width": 3},
    {"reset": 1 << 32},
    {"fields": (Field("A", 30, 4),)},                          # outside the register
    {"fields": (Field("A", 0, 4), Field("B", 3, 2))},          # overlapping fields
])
def test_register_validation(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Register("R", **{"offset": 0, **kwargs})


def test_access_rules() -> None:
    d = Toy()
    assert d.read(0x00, 4) == 0x300
    d.write(0x00, 4, 0xFF_FFFF)               # VER is ro, IRQ is w1c (was 0), KEY is wo
    assert d.get_field("CTRL", "VER") == 3
    assert d.get_field("CTRL", "MODE") == 7
    assert d.get_field("CTRL", "KEY") == 0xFF  # stored ...
    assert d.read(0x00, 4) & 0xFF_0000 == 0    # ... but reads as zero
    d.set_field("CTRL", "IRQ", 3)
    d.write(0x00, 4, 1 << 12)                  # write-1-to-clear one IRQ bit
    assert d.get_field("CTRL", "IRQ") == 2
    d.write(0x04, 4, 0)                        # ro register: ignored
    assert d.read(0x04, 4) == 0xAB
    d.write(0x08, 4, 0x1234)                   # wo register: hook sees it, reads give 0
    assert d.commands == [0x1234] and d.read(0x08, 4) == 0
    d.write(0x0C, 4, 0x30)
    assert d.read(0x0C, 4) == 0xC0
    d.write(0x10, 8, 0x1122_3344_5566_7788)
    assert d.read(0x10, 8) == 0x1122_3344_5566_7788
    assert d.statistics() == {"reads": 6, "writes": 6, "bad_accesses": 0, "ignored_writes": 1}


def test_sub_word_accesses_touch_only_their_lanes() -> None:
    d = Toy()
    d.write(0x10, 8, 0x1122_3344_5566_7788)
    d.write(0x14, 4, 0xAABB_CCDD)
    d.write(0x11, 1, 0xEE)
    assert d.read(0x10, 8) == 0xAABB_CCDD_5566_EE88
    assert d.read(0x16, 2) == 0xAABB
    d.set_value("PEND", 0xFFFF)
    d.write(0x0D, 1, 0xFF)                     # clears only byte 1 of a w1c register
    assert d.value("PEND") == 0x00FF
    d.write(0x08, 2, 0xBEEF)                   # hooks see the whole register value
    assert d.commands == [0xBEEF]


def test_bad_accesses_are_counted_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    d = Toy()
    with caplog.at_level(logging.DEBUG, logger="emulator.mmio"):
        assert d.read(0x40, 4) == 0            # no register there
        assert d.read(0x02, 4) == 0            # misaligned
        assert d.read(0x00, 8) == 0            # wider than CTRL
        d.write(0x18, 2, 0xFFFF)               # wider than BYTE
    assert d.statistics()["bad_accesses"] == 4
    assert d.read(0x18, 1) == 0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "toy0" in warnings[0].getMessage()


def test_reset_restores_registers_but_keeps_counters() -> None:
    d = Toy()
    d.write(0x00, 4, 0x7)
    d.reset()
    assert d.read(0x00, 4) == 0x300
    assert d.statistics()["writes"] == 1


def test_device_layout_is_checked() -> None:
    class Clash(MmioDevice):
        registers = (Register("A", 0x0, width=8), Register("B", 0x4))

    class TooBig(MmioDevice):
        registers = (Register("A", 0x1000),)

    with pytest.raises(ValueError, match="overlaps"):
        Clash("c")
    with pytest.raises(ValueError, match="beyond"):
        TooBig("t")


# --- UART and doorbell, host side --------------------------------------------------------


def test_uart_transmit_receive_and_flags() -> None:
    u = UART("uart0")
    u.write(0x000, 4, 0x141)                   # only the low byte is data
    assert bytes(u.output) == b"A"
    fr = u.read(0x018, 4)
    assert fr & (1 << 4) and fr & (1 << 7) and not fr & (1 << 5)   # RXFE, TXFE, not TXFF
    u.feed(b"hi")
    assert not u.read(0x018, 4) & (1 << 4)
    assert u.read(0x000, 4) == ord("h") and u.read(0x000, 1) == ord("i")
    assert u.read(0x000, 4) == 0 and u.read(0x018, 4) & (1 << 4)
    for off, val in ((0x024, 13), (0x028, 1), (0x02C, 0x70), (0x030, 0x301)):
        u.write(off, 4, val)
        assert u.read(off, 4) == val
    assert [u.read(0xFE0 + 4 * i, 4) for i in range(4)] == [0x11, 0x10, 0x14, 0x00]
    assert [u.read(0xFF0 + 4 * i, 4) for i in range(4)] == [0x0D, 0xF0, 0x05, 0xB1]
    stats = u.statistics()
    assert stats["tx_bytes"] == 1 and stats["rx_bytes"] == 2


def test_uart_sink_and_interrupt_state() -> None:
    got: list[bytes] = []
    u = UART("uart0", sink=got.append)
    u.write(0, 1, ord("x"))
    assert got == [b"x"] and not u.output
    assert u.read(0x03C, 4) & (1 << 5)          # TX raw interrupt
    assert not u.irq_pending                    # ... masked
    u.write(0x038, 4, 1 << 5)
    assert u.irq_pending and u.read(0x040, 4) == 1 << 5
    u.write(0x044, 4, 1 << 5)                   # ICR clears it
    assert not u.irq_pending and u.read(0x044, 4) == 0


def test_doorbell_marks() -> None:
    now = [100]
    seen: list[int] = []
    db = Doorbell("doorbell0", on_mark=seen.append, time_source=lambda: now[0])
    assert db.read(0xC, 4) == DOORBELL_ID
    db.write(0x0, 4, 7)
    now[0] = 250
    db.write(0x0, 4, 8)
    assert db.read(0x4, 4) == 2 and db.read(0x0, 4) == 0
    assert [tuple(m) for m in db.marks] == [(7, 100), (8, 250)] and seen == [7, 8]
    db.write(0x4, 4, 99)                         # COUNT is read-only
    db.write(0x8, 4, 0x5555)
    assert db.read(0x4, 4) == 2 and db.read(0x8, 4) == 0x5555
    db.reset()
    assert db.values() == [7, 8] and db.read(0x8, 4) == 0
    assert db.statistics()["marks"] == 2


def test_registry_builds_configured_devices() -> None:
    machine = load_machine()
    devs = [make_device(cfg) for cfg in machine.devices]
    assert [type(d) for d in devs] == [UART, Doorbell]
    assert devs[0].name == "uart0" and devs[0].size == 0x1000
    with pytest.raises(ValueError, match="already registered"):
        register_device_type("uart", Doorbell)
    register_device_type("uart", UART)           # re-registering the same class is harmless
    assert DEVICE_TYPES["uart"] is UART


def test_make_device_passes_params(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tuned(MmioDevice):
        PARAMS = {"latency": int}
        registers = (Register("X", 0),)

        def __init__(self, name: str, size: int | None = None, latency: int = 0) -> None:
            self.latency = latency
            super().__init__(name, size)

    monkeypatch.setitem(DEVICE_TYPES, "tuned", Tuned)
    dev = make_device(DeviceConfig("t0", "tuned", 0x1000, 0x2000, {"latency": 9}))
    assert isinstance(dev, Tuned) and dev.latency == 9 and dev.size == 0x2000


# --- the bus ---------------------------------------------------------------------------


def test_bus_placement_rules_and_lookup() -> None:
    bus = MmioBus()
    u, d = UART("uart0"), Doorbell("doorbell0")
    bus.mmio_map(0x0901_0000, d)
    bus.mmio_map(0x0900_0000, u)
    assert [(b, x.name) for b, x in bus.devices()] == [(0x0900_0000, "uart0"), (0x0901_0000, "doorbell0")]
    assert bus.find("doorbell0") is d
    with pytest.raises(KeyError, match="uart0, doorbell0"):
        bus.find("nope")
    assert bus.device_at(0x0900_0FFF) == (0x0900_0000, u)
    assert bus.device_at(0x0900_1000) is None
    with pytest.raises(ValueError, match="overlaps"):
        bus.mmio_map(0x0900_0000, Toy("toy0"))
    with pytest.raises(ValueError, match="multiples"):
        bus.mmio_map(0x0900_0800, Toy("toy1"))
    with pytest.raises(ValueError, match="already"):
        bus.mmio_map(0x0A00_0000, UART("uart0"))


def test_bus_host_accesses_charge_the_clock() -> None:
    charges: list[str] = []
    bus = MmioBus(clock_hook=charges.append)
    db = Doorbell("doorbell0")
    bus.mmio_map(0x2000, db)
    bus.write(0x2000, 4, 5)
    assert bus.read(0x200C, 4) == DOORBELL_ID
    assert bus.read(0x9000, 4) == 0              # nothing there
    assert charges == ["mmio_access"] * 3
    assert bus.statistics() == {"doorbell0.reads": 1, "doorbell0.writes": 1,
                                "doorbell0.bad_accesses": 0, "doorbell0.ignored_writes": 0,
                                "doorbell0.marks": 1}


# --- under a real CPU ------------------------------------------------------------------

CODE = 0x1000


def movz(rd: int, imm16: int, hw: int = 0, sf: int = 1) -> int:
    return (0xD2800000 if sf else 0x52800000) | hw << 21 | imm16 << 5 | rd


def movk(rd: int, imm16: int, hw: int = 0) -> int:
    return 0xF2800000 | hw << 21 | imm16 << 5 | rd


def str_x(rt: int, rn: int, off: int = 0) -> int:
    return 0xF9000000 | (off // 8) << 10 | rn << 5 | rt


def str_w(rt: int, rn: int, off: int = 0) -> int:
    return 0xB9000000 | (off // 4) << 10 | rn << 5 | rt


def ldr_w(rt: int, rn: int, off: int = 0) -> int:
    return 0xB9400000 | (off // 4) << 10 | rn << 5 | rt


def strb(rt: int, rn: int, off: int = 0) -> int:
    return 0x39000000 | off << 10 | rn << 5 | rt


def ldr_x(rt: int, rn: int, off: int = 0) -> int:
    return 0xF9400000 | (off // 8) << 10 | rn << 5 | rt


def run(uc: Uc, words: list[int]) -> None:
    """Run a straight-line program with the MMU off (the reset state)."""
    uc.mem_write(CODE, struct.pack(f"<{len(words)}I", *words))
    uc.emu_start(CODE, CODE + 4 * len(words))


def make_cpu() -> Uc:
    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    uc.mem_map(CODE, 0x1000, UC_PROT_ALL)
    return uc


def test_guest_code_drives_uart_and_doorbell() -> None:
    charges: list[str] = []
    uc = make_cpu()
    bus = MmioBus(uc, clock_hook=charges.append)
    uart, db = UART("uart0"), Doorbell("doorbell0")
    bus.mmio_map(0x0900_0000, uart)
    bus.mmio_map(0x0901_0000, db)
    run(uc, [
        movz(1, 0x0900, hw=1),          # x1 = uart base
        movz(0, 0x41, sf=0),            # w0 = 'A'
        str_w(0, 1),                    # DR <- 'A'
        ldr_w(2, 1, 0x18),              # w2 = FR
        movz(0, 0x42, sf=0),
        strb(0, 1),                     # byte store to DR <- 'B'
        ldr_w(3, 1, 0x100),             # unknown register: reads 0
    ])
    assert bytes(uart.output) == b"AB"
    assert uc.reg_read(UC_ARM64_REG_X2) == 0x90     # TXFE | RXFE
    assert uc.reg_read(UC_ARM64_REG_X3) == 0
    assert uart.statistics()["bad_accesses"] == 1
    run(uc, [
        movz(1, 0x0901, hw=1),
        movz(0, 0x77, sf=0),
        str_w(0, 1),                    # MARK 0x77
        str_w(0, 1),                    # MARK 0x77 again
        ldr_w(4, 1, 0x4),               # COUNT
        ldr_w(5, 1, 0xC),               # ID
        ldr_x(2, 1, 0x0),               # 8-byte load: arrives as MARK (reads 0) then COUNT
    ])
    assert db.values() == [0x77, 0x77]
    assert uc.reg_read(UC_ARM64_REG_X4) == 2 and uc.reg_read(UC_ARM64_REG_X5) == DOORBELL_ID
    assert uc.reg_read(UC_ARM64_REG_X2) == 2 << 32 and db.statistics()["bad_accesses"] == 0
    assert len(charges) == 10


def test_guest_8_byte_accesses_arrive_as_two_halves() -> None:
    uc = make_cpu()
    bus = MmioBus(uc)
    toy = Toy()
    bus.mmio_map(0x0902_0000, toy)
    run(uc, [
        movz(1, 0x0902, hw=1),
        movz(0, 0x7788), movk(0, 0x5566, hw=1), movk(0, 0x3344, hw=2), movk(0, 0x1122, hw=3),
        str_x(0, 1, 0x10),
        ldr_x(6, 1, 0x10),
    ])
    assert toy.value("WIDE") == 0x1122_3344_5566_7788
    assert uc.reg_read(UC_ARM64_REG_X6) == 0x1122_3344_5566_7788
    assert toy.statistics()["writes"] == 2 and toy.statistics()["reads"] == 2


def test_device_state_is_shared_between_cpus() -> None:
    a, b = make_cpu(), make_cpu()
    bus = MmioBus(a)
    db = Doorbell("doorbell0")
    bus.mmio_map(0x0901_0000, db)
    bus.attach(b)                                # mapped into the late CPU too
    prog = [movz(1, 0x0901, hw=1), movz(0, 1, sf=0), str_w(0, 1), ldr_w(4, 1, 0x4)]
    run(a, prog)
    run(b, prog)
    assert b.reg_read(UC_ARM64_REG_X4) == 2


def test_device_errors_surface_from_emu_start() -> None:
    uc = make_cpu()
    bus = MmioBus(uc)
    db = Doorbell("doorbell0", on_mark=lambda v: (_ for _ in ()).throw(RuntimeError(f"boom {v}")))
    bus.mmio_map(0x0901_0000, db)
    with pytest.raises(RuntimeError, match="boom 3"):
        run(uc, [movz(1, 0x0901, hw=1), movz(0, 3, sf=0), str_w(0, 1)])


def test_mapping_over_ram_is_an_emulator_fault() -> None:
    uc = make_cpu()
    with pytest.raises(EmulatorFault, match="cannot map device uart0"):
        MmioBus(uc).mmio_map(CODE, UART("uart0"))
