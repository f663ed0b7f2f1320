"""Red-team round twenty-seven: the hardware the kernel drives, and the filter that fences it.

Each scenario holds only the kernel's powers: its EL1 face, its page-table writer and frame
allocator, the secure-MM calls, and a bus-master device on the machine's filtered DMA port
(a disk, a NIC: the kernel hands it physical addresses and lengths, and the device keeps
them for as long as the request is queued).  The attacks aim the device at confidential
memory at the moments a frame changes hands:

- what the program's image and data hold, read or written by a device (QJ-001, QJ-002,
  QJ-019, QJ-026: the saved PC of a signal frame), and transfers that straddle a frame boundary (QJ-003, QJ-004);
- requests queued before a page was sealed, swapped in, migrated, freed or faulted in, or
  before a return to the program, carried out after (QJ-005 to QJ-010, QJ-018, QJ-028), and
  a swapped page changed where the kernel keeps it (QJ-027);
- a device's MMIO window mapped where the program's memory belongs (QJ-011);
- a whole-RAM device sweep at each moment the secret might sit outside the program's
  frames: as it is drawn, in registers at an interrupt or a fault, in a signal frame, in an
  ioctl's or a write's buffer, in unused argument registers, at fork, in the child, at
  rt_sigreturn and after exit (QJ-012 to QJ-017, QJ-020 to QJ-025).

Where an attack still gets through with the Guardian on, it names the property it breaks
(`gap`) and its docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from abi import Call
from abi.sigframe import FRAME_SIZE, SC_PC_OFF, SIGINFO_SIZE, UC_MCONTEXT_OFF
from abi.syscalls import NUMBERS
from attacks.adversary import PAGE, USER_RW, Adversary
from attacks.dma import DmaDenied
from attacks.families.measurement import _banner_va, symbol_address
from attacks.families.secure_mm import SEAL_HEADER, swap_in, swap_out
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import BANNER_INTACT, BANNER_PWNED, SECRET_LEN, SECRET_OFF, Phase
from emulator import descriptors as D
from kernel_model.elf_loader import ElfImage
from kernel_model.process import Thread

RT = "redteam_r27"
NR_IOCTL = NUMBERS["ioctl"]
NR_GETRANDOM = NUMBERS["getrandom"]
NR_RT_SIGRETURN = NUMBERS["rt_sigreturn"]
NR_WRITE = NUMBERS["write"]
SWAP_DESC = 0x5A << 12            # a swap entry of the kernel's choosing (not a valid descriptor)
UART_BASE = 0x0900_0000           # the machine's PL011 (every machine description has it there)
AHEAD = 16                        # frames a receive ring is handed ahead of the allocator
SCRUBBED = ("the Guardian scrubs a confidential frame before the filter lets a device at "
            "it, so the device reads zeros and nothing is refused")


# --- what a device does -----------------------------------------------------------------
def _frame(a: Adversary, va: int) -> int:
    pa = a.pa_of(va)
    assert pa is not None, f"{va:#x} is not mapped"
    return pa & ~(PAGE - 1)


def _device_read(a: Adversary, pa: int, n: int, where: str) -> bytes | None:
    """A device transfer out of RAM; a bus fault is kept as a refusal (the device sees an
    error), an all-zero page as a note (a scrubbed frame)."""
    try:
        data = a.dma.read(pa, n)
    except DmaDenied as exc:
        a.refused(f"DmaDenied: {exc}")
        return None
    a.observe(data, where)
    if not any(data[SECRET_OFF:SECRET_OFF + SECRET_LEN]):
        a.note(f"{where}: zeros where the secret was")
    return data


def _device_write(a: Adversary, pa: int, data: bytes) -> bool:
    try:
        a.dma.write(pa, data)
    except DmaDenied as exc:
        a.refused(f"DmaDenied: {exc}")
        return False
    return True


def _sweep(a: Adversary, where: str) -> None:
    """A device reads every frame of RAM outside the monitor's reserve (which the boot
    information names); what it got is kept, frames it was refused are counted."""
    info = a.kernel.boot_info
    top = min((base for base, _ in info.reserved), default=info.ram_base + info.ram_size)
    denied = read = 0
    zero = bytes(PAGE)
    for pa in range(info.ram_base, top, PAGE):
        try:
            data = a.dma.read(pa, PAGE)
        except DmaDenied:
            denied += 1
            continue
        read += 1
        if data != zero:
            a.observe(data, f"a device sweep {where}: frame {pa:#x}")
    a.note(f"device sweep {where}: {read} frames read, {denied} refused")


def _keep_image(adv: Adversary) -> None:
    @adv.on(Point.EXEC)
    def _(a: Adversary, image: ElfImage) -> None:
        a.memo["image"] = image


# --- the program's own frames -----------------------------------------------------------
@scenario(id="QJ-001", title="A device rewrites the banner in the program's read-only image",
          family=RT, goal=Goal.TAMPER, actor="device", rules=("G-DMA-FILTER",),
          prop="A device cannot write a page of the program's image, read-only or not.")
def qj_image_text(adv: Adversary) -> None:
    """1. At PLACED, find the frame behind the page of the image holding the program's
    closing banner (a read-only, file-backed page the program never writes).
    2. Program the device to store a banner of the same length over it; the program prints
    a string its admitted image does not contain."""
    _keep_image(adv)

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        va, _ = _banner_va(a.memo["image"])
        _device_write(a, _frame(a, va) + (va & (PAGE - 1)), BANNER_PWNED)
        a.el1.invalidate_all_code()


@scenario(id="QJ-002", title="A device reads the page of the program's secret array (.bss)",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER",),
          prop="A device cannot read a data page of the program's image, however it entered "
               "the domain.")
def qj_bss(adv: Adversary) -> None:
    """1. At PLACED, find the frame behind the program's `secret` array (a .bss page that
    was part of the tree at CREATE_DOMAIN).
    2. Program the device to copy the page out."""
    _keep_image(adv)

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        va = symbol_address(a.memo["image"].data, "secret")
        _device_read(a, _frame(a, va), PAGE, "a device read of the .bss page")


@scenario(id="QJ-003", title="A device read that starts below the heap frame and runs into it",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER",),
          prop="The filter checks every frame a transfer touches, not just its first.")
def qj_straddle_read(adv: Adversary) -> None:
    """1. At PLACED, program the device with a transfer that starts in the last bytes of
    the frame below the heap frame and runs through the secret in the heap frame."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        pa = _frame(a, a.layout.heap)
        _device_read(a, pa - 16, 16 + SECRET_OFF + SECRET_LEN, "a straddling device read")


@scenario(id="QJ-004", title="A device write that starts in a kernel frame and runs over the heap",
          family=RT, goal=Goal.TAMPER, actor="device", rules=("G-DMA-FILTER",),
          prop="A transfer that touches a denied frame moves nothing, not even its allowed "
               "part.")
def qj_straddle_write(adv: Adversary) -> None:
    """1. At PLACED, program the device with a write that starts 16 bytes before the heap
    frame and covers the heap copy of the secret with zeros."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        pa = _frame(a, a.layout.heap)
        _device_write(a, pa - 16, bytes(16 + SECRET_OFF + SECRET_LEN))


# --- requests queued before a frame changed hands ---------------------------------------
@scenario(id="QJ-005", title="A swap write queued before the seal runs after it",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER", "G-SWAP-SEAL"),
          silent=SCRUBBED,
          prop="Once a page is sealed, no request the kernel queued for its frame before "
               "sees its plaintext.")
def qj_queued_swap_write(adv: Adversary) -> None:
    """1. At PLACED, queue a disk write of the heap frame (the swap device keeps the
    physical address).
    2. Swap the heap page out (SWAP_OUT under the Guardian: sealed, frame freed; without it
    the kernel clears the entry and frees the frame).
    3. The disk carries out the queued request: it reads the old frame.
    4. Put the page back (the sealed copy under the Guardian)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        va = a.layout.heap
        last = a.walk(va)[-1]
        pa = last.desc & D.ADDR_MASK
        if a.guarded:
            status, _, sealed = a.hvc_data(Call.SWAP_OUT, (a.mm.tables.root, va, SWAP_DESC))
            if status:
                return
        else:
            a.mm.tables.set(va, SWAP_DESC)
            a.el1.tlbi_all()
        a.kernel.frames.put(pa)
        _device_read(a, pa, PAGE, "a swap write queued before the seal")
        frame = a.alloc_frame()
        desc = (last.desc & ~D.ADDR_MASK) | frame
        if a.guarded:
            a.hvc_data(Call.SWAP_IN, (a.mm.tables.root, va, frame, desc), sealed)
        else:
            a.el1.copy_page(a.lm(frame), a.lm(pa))
            a.mm.tables.set(va, desc)
            a.el1.tlbi_all()


@scenario(id="QJ-006", title="A swap-in read completes again after the page joined the domain",
          family=RT, goal=Goal.TAMPER, actor="device", rules=("G-DMA-FILTER", "G-SWAP-AUTH"),
          prop="Once SWAP_IN installed a frame, no device request naming it lands there.")
def qj_late_swap_in(adv: Adversary) -> None:
    """1. At PLACED, swap the heap page out and back in (the disk's read lands in the
    frame the kernel chose, and SWAP_IN installs it).
    2. A second disk read queued for the same frame completes late: zeros over the secret."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        blob = swap_out(a, a.layout.heap)
        if blob is None or not swap_in(a, a.layout.heap, blob):
            return
        _device_write(a, _frame(a, a.layout.heap) + SECRET_OFF, bytes(SECRET_LEN))


@scenario(id="QJ-007", title="A device keeps the destination of a page migration",
          family=RT, goal=Goal.TAMPER, actor="device", rules=("G-DMA-FILTER", "G-MIGRATE"),
          prop="The frame a page migrates to is fenced from the moment it holds the page.")
def qj_migrate_target(adv: Adversary) -> None:
    """1. At PLACED, hand a free frame to the device as a receive buffer.
    2. Migrate the heap page into that frame (MIGRATE_PAGE under the Guardian, a copy and
    a remap without it).
    3. The device's receive lands: zeros over the secret in the new frame."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        va = a.layout.heap
        last = a.walk(va)[-1]
        old = last.desc & D.ADDR_MASK
        new = a.alloc_frame()
        if a.guarded:
            a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, va, new)
        else:
            a.el1.copy_page(a.lm(new), a.lm(old))
            a.mm.tables.set(va, (last.desc & ~D.ADDR_MASK) | new)
            a.el1.tlbi_all()
        a.kernel.frames.put(old)
        _device_write(a, new + SECRET_OFF, bytes(SECRET_LEN))


def _program_frames(a: Adversary) -> list[int]:
    """The frames behind the pages that hold a copy of the secret (heap, stack, mapped,
    fresh), as the kernel's own walk finds them."""
    out = []
    for va in (a.layout.heap, a.layout.stack, a.layout.mapped, a.layout.fresh):
        pa = a.pa_of(va) if va else None
        if pa is not None:
            out.append(pa & ~(PAGE - 1))
    return out


@scenario(id="QJ-008", title="A device reads the program's frames after it exited",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER", "G-RELEASE-SCRUB"),
          silent=SCRUBBED,
          prop="A confidential frame reaches a device only after it was scrubbed.")
def qj_after_exit(adv: Adversary) -> None:
    """1. At END, note the frames behind the heap, stack, mapped and fresh pages.
    2. When the process has exited (its memory torn down), the device reads them all."""
    @adv.at(Phase.END)
    def _(a: Adversary) -> None:
        a.memo["frames"] = _program_frames(a)

    @adv.on(Point.EXIT)
    def _(a: Adversary, **_: object) -> None:
        for pa in a.memo.get("frames", ()):
            _device_read(a, pa, PAGE, f"a device read of {pa:#x} after exit")


@scenario(id="QJ-009", title="A device reads the frame of a page the program unmapped uncleared",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER", "G-RELEASE-SCRUB"),
          silent=SCRUBBED,
          prop="A page the program unmaps reaches a device only scrubbed.")
def qj_after_munmap(adv: Adversary) -> None:
    """1. At UNMAP, note the frame behind the program's mapped page (the program unmaps it
    next without clearing it first: Linux leaves the bytes in the freed frame).
    2. At UNMAPPED, the device reads that frame."""
    @adv.at(Phase.UNMAP)
    def _(a: Adversary) -> None:
        a.memo["frame"] = _frame(a, a.layout.mapped)

    @adv.at(Phase.UNMAPPED)
    def _(a: Adversary) -> None:
        _device_read(a, a.memo["frame"], PAGE, "a device read of the unmapped page's frame")


@scenario(id="QJ-010", title="A receive ring handed out before the fresh page's fault lands after",
          family=RT, goal=Goal.TAMPER, actor="device", rules=("G-DMA-FILTER",),
          prop="A device address the kernel took while a frame was free grants nothing once "
               "the frame holds the program's data.")
def qj_ring_before_fault(adv: Adversary) -> None:
    """1. At FRESH (the program's fresh page is mapped but untouched), hand the device the
    next free frames as receive buffers (the frame the fault will take is among them).
    2. At FRESH_DONE (the program copied the secret into the page), the device's receives
    land: zeros over the secret's offset of every buffer."""
    @adv.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        ring = [a.alloc_frame() for _ in range(AHEAD)]
        for pa in ring:
            a.kernel.frames.put(pa)
        a.memo["ring"] = ring

    @adv.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        for pa in a.memo["ring"]:
            _device_write(a, pa + SECRET_OFF, bytes(SECRET_LEN))


@scenario(id="QJ-011", title="Map the UART's MMIO window where the program's fresh page belongs",
          family=RT, goal=Goal.TAMPER, rules=("G-SETPT-RAM",),
          prop="A confidential address space maps RAM only: never a device's registers.")
def qj_mmio_window(adv: Adversary) -> None:
    """1. At FRESH (the page is mapped but untouched), install a leaf for the UART's MMIO
    page at the fresh page's address.
    2. The program copies its secret there: the stores reach the device's registers, and
    what it reads back is the device's, not what it wrote.
    3. At FRESH_DONE, put an ordinary zero-filled frame there: the program's copy is gone."""
    @adv.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        a.mm.tables.set(a.layout.fresh, D.leaf_descriptor(UART_BASE, USER_RW))
        a.el1.tlbi_all()
        a.memo["window"] = True

    @adv.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        if a.memo.get("window"):
            frame = a.alloc_frame()
            a.write_lm(frame, bytes(PAGE))
            a.mm.tables.set(a.layout.fresh, D.leaf_descriptor(frame, USER_RW))
            a.el1.tlbi_all()


# --- device sweeps of RAM at the moments the secret moves ---------------------------------
@scenario(id="QJ-012", title="A device sweeps RAM while the program holds its secret",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER",),
          prop="No frame a device may read holds the secret (no staging copy, no leftover).")
def qj_sweep_placed(adv: Adversary) -> None:
    """1. At PLACED (the secret in the heap, stack, mapped page, registers), the device
    reads every frame of RAM below the monitor's reserve."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        _sweep(a, "at PLACED")


@scenario(id="QJ-013", title="A device sweeps RAM at a timer interrupt with the secret in registers",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER", "G-ENTRY-SCRUB"),
          timing="exact",
          prop="The registers saved at an interrupt are in no frame a device may read.")
def qj_sweep_irq(adv: Adversary) -> None:
    """1. While the program spins with its secret in x19-x22, at the first timer
    interrupt, the device reads every frame of RAM below the monitor's reserve."""
    @adv.on(Point.IRQ, during=Phase.SPIN)
    def _(a: Adversary, **_: object) -> None:
        _sweep(a, "at an interrupt")


@scenario(id="QJ-014", title="A device sweeps RAM during a demand fault with the secret in registers",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER", "G-ENTRY-SCRUB"),
          prop="The registers saved at a fault are in no frame a device may read.")
def qj_sweep_fault(adv: Adversary) -> None:
    """1. The program loads from its untouched page with the secret in x19-x22 (FAULT);
    while the kernel serves the fault, the device reads every frame below the reserve."""
    @adv.on(Point.FAULT, during=Phase.FAULT)
    def _(a: Adversary, **_: object) -> None:
        _sweep(a, "during a fault")


@scenario(id="QJ-015", title="A device sweeps RAM as a signal is delivered",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER", "G-SIGNAL-FRAME"),
          prop="A signal frame (the interrupted registers) is built in no frame a device "
               "may read.")
def qj_sweep_signal(adv: Adversary) -> None:
    """1. When the program's SIGUSR1 is delivered (its handler runs on the alternate
    stack, the interrupted context in the signal frame), the device reads every frame
    below the reserve."""
    @adv.on(Point.SIGNAL_DELIVERED, during=Phase.SIGNAL)
    def _(a: Adversary, **_: object) -> None:
        _sweep(a, "at signal delivery")


@scenario(id="QJ-016", title="A device sweeps RAM as the ioctl on the heap page returns",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER", "G-ENTRY-OWED"),
          prop="The Guardian stages no more of a call's user buffer than the call takes, and "
               "nothing of it where a device may read it.")
def qj_sweep_ioctl(adv: Adversary) -> None:
    """1. The program calls ioctl(TCSETS) with its heap page as the argument (the secret
    lies past the struct the call takes).
    2. As the call returns, the device reads every frame below the reserve."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_IOCTL, during=Phase.IOCTL)
    def _(a: Adversary, **_: object) -> None:
        _sweep(a, "as the ioctl returns")


@scenario(id="QJ-017", title="A device sweeps RAM right after fork",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER", "G-FORK-SHARE"),
          prop="A fork child's copies and shares of the parent's pages are fenced as the "
               "parent's are.")
def qj_sweep_fork(adv: Adversary) -> None:
    """1. At PARENT (fork returned in the parent; the child exists with the parent's pages),
    the device reads every frame below the reserve."""
    @adv.at(Phase.PARENT)
    def _(a: Adversary) -> None:
        _sweep(a, "after fork")


@scenario(id="QJ-018", title="A device write lands while the heap page is being sealed",
          family=RT, goal=Goal.TAMPER, actor="device", rules=("G-DMA-FILTER", "G-SWAP-SEAL"),
          prop="Nothing a device writes can enter the sealed copy of a page.")
def qj_write_at_seal(adv: Adversary) -> None:
    """1. At PLACED, swap the heap page out; as the kernel issues the call (just before the
    page is sealed), a device write of zeros lands over the secret in its frame.
    2. Swap the page back in: it holds what the device wrote."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        _device_write(a, _frame(a, a.layout.heap) + SECRET_OFF, bytes(SECRET_LEN))
        blob = swap_out(a, a.layout.heap)
        if blob is not None:
            swap_in(a, a.layout.heap, blob)


@scenario(id="QJ-019", title="A device overwrites the stack copy of the secret",
          family=RT, goal=Goal.TAMPER, actor="device", rules=("G-DMA-FILTER",),
          prop="A device cannot write the program's stack (a page the loader placed before "
               "the domain existed).")
def qj_stack_write(adv: Adversary) -> None:
    """1. At PLACED, find the frame behind the program's stack buffer.
    2. Program the device to store zeros over the stack copy of the secret."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        va = a.layout.stack_secret
        _device_write(a, _frame(a, va) + (va & (PAGE - 1)), bytes(SECRET_LEN))


@scenario(id="QJ-020", title="A device sweeps RAM as getrandom returns the secret",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER", "G-KEYS-PRIVATE"),
          prop="Entropy the Guardian serves is staged in no frame a device may read.")
def qj_sweep_getrandom(adv: Adversary) -> None:
    """1. As the program's getrandom() (the call that draws its secret) returns, the device
    reads every frame below the reserve."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETRANDOM, during=Phase.START)
    def _(a: Adversary, **_: object) -> None:
        _sweep(a, "as getrandom returns")


@scenario(id="QJ-021", title="A device sweeps RAM after the program exited",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER", "G-RELEASE-SCRUB"),
          silent=SCRUBBED,
          prop="Nothing of a confidential program is left in RAM a device may read once it "
               "has exited.")
def qj_sweep_exit(adv: Adversary) -> None:
    """1. When the process has exited (its address space torn down), the device reads
    every frame below the reserve."""
    @adv.on(Point.EXIT)
    def _(a: Adversary, **_: object) -> None:
        _sweep(a, "after exit")


@scenario(id="QJ-022", title="A device sweeps RAM while the kernel serves a call with the secret "
                             "in its argument registers",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER", "G-ENTRY-ARGS"),
          prop="Argument registers a call does not take are kept in no frame a device may read.")
def qj_sweep_args(adv: Adversary) -> None:
    """1. At ARGS (a getppid() with the secret's four words left in x2-x5), the device reads
    every frame below the reserve."""
    @adv.at(Phase.ARGS)
    def _(a: Adversary) -> None:
        _sweep(a, "at ARGS")


@scenario(id="QJ-023", title="A device sweeps RAM as the fork child first runs",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER", "G-FORK-CONTEXT"),
          prop="The context a fork child starts from is built in no frame a device may read.")
def qj_sweep_child(adv: Adversary) -> None:
    """1. At CHILD (the fork child runs, its registers made from the parent's), the device
    reads every frame below the reserve."""
    @adv.at(Phase.CHILD, init_only=False)
    def _(a: Adversary) -> None:
        _sweep(a, "as the child runs")


@scenario(id="QJ-024", title="A device sweeps RAM as the signal handler returns",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER", "G-SIGRETURN"),
          prop="The context rt_sigreturn restores is read from the program's own memory, never "
               "staged where a device may read it.")
def qj_sweep_sigreturn(adv: Adversary) -> None:
    """1. When the SIGUSR1 handler returns (rt_sigreturn, the saved context read back), the
    device reads every frame below the reserve."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_RT_SIGRETURN, during=Phase.SIGNAL)
    def _(a: Adversary, **_: object) -> None:
        _sweep(a, "at rt_sigreturn")


@scenario(id="QJ-025", title="A device sweeps RAM as the program's first write() returns",
          family=RT, goal=Goal.LEAK, actor="device", rules=("G-DMA-FILTER", "G-ENTRY-OWED"),
          prop="A call's staged buffer holds only what the call takes.")
def qj_sweep_write(adv: Adversary) -> None:
    """1. As the program's write() of its public buffer returns (WRITE), the device reads
    every frame below the reserve."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_WRITE, during=Phase.WRITE)
    def _(a: Adversary, **_: object) -> None:
        _sweep(a, "as write() returns")


@scenario(id="QJ-026", title="A device rewrites the saved PC in the signal frame on the alternate "
                             "stack",
          family=RT, goal=Goal.TAMPER, actor="device", rules=("G-DMA-FILTER", "G-SIGRETURN"),
          prop="A device cannot write the signal frame the program's handler returns through.")
def qj_sigframe_pc(adv: Adversary) -> None:
    """1. When SIGUSR1 is delivered (the handler runs on the alternate stack, whose place
    the program told the kernel through sigaltstack), find the frame's saved PC: the frame
    sits at the top of the alternate stack (without a monitor the handler's SP says where).
    2. Program the device to store win()'s address there: rt_sigreturn resumes in win()."""
    @adv.on(Point.SIGNAL_DELIVERED, during=Phase.SIGNAL)
    def _(a: Adversary, thread: Thread) -> None:
        if a.guarded:
            ss_sp, _, ss_size = thread.altstack
            base = (ss_sp + ss_size - FRAME_SIZE - 16) & ~15
        else:
            base = a.reg("sp")
        va = base + SIGINFO_SIZE + UC_MCONTEXT_OFF + SC_PC_OFF
        pa = a.pa_of(va)
        if pa is None:
            a.note(f"the frame's PC slot {va:#x} is not mapped")
            return
        _device_write(a, pa, a.layout.win.to_bytes(8, "little"))


@scenario(id="QJ-027", title="A device flips a byte of the swapped page where the kernel keeps it",
          family=RT, goal=Goal.TAMPER, actor="device", rules=("G-DMA-FILTER", "G-SWAP-AUTH"),
          prop="What a device does to a swapped-out page while it sits in the kernel's memory "
               "cannot come back into the program.")
def qj_swap_slot_flip(adv: Adversary) -> None:
    """1. At PLACED, swap the heap page out and keep what the kernel got in two of its own
    frames (a RAM-backed swap slot, as zram keeps one).
    2. A device write flips the byte of the slot where the secret's first byte lies.
    3. Swap the page in from the slot as it now is (the unchanged copy if that is refused)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        blob = swap_out(a, a.layout.heap)
        if blob is None:
            return
        slot = [a.alloc_frame(), a.alloc_frame()]
        for i, pa in enumerate(slot):
            a.write_lm(pa, blob[i * PAGE:(i + 1) * PAGE].ljust(PAGE, b"\0"))
        at = SECRET_OFF + (SEAL_HEADER if a.guarded else 0)
        _device_write(a, slot[0] + at, bytes([blob[at] ^ 0xFF]))
        stored = (a.read_lm(slot[0]) + a.read_lm(slot[1]))[:len(blob)]
        if not swap_in(a, a.layout.heap, stored):
            swap_in(a, a.layout.heap, blob)


@scenario(id="QJ-028", title="A device write lands just after a return to the program was accepted",
          family=RT, goal=Goal.TAMPER, actor="device", rules=("G-DMA-FILTER", "G-FACE-LOCKED"),
          prop="The filter holds while the core is the program's, whatever the kernel queued "
               "before it handed the core over.")
def qj_after_resume(adv: Adversary) -> None:
    """1. While the program spins (SPIN), at the first return to it that the monitor accepted
    (the core is the program's from here), a device write of zeros lands over the heap
    copy of the secret."""
    @adv.at(Phase.SPIN)
    def _(a: Adversary) -> None:
        a.memo["heap_pa"] = _frame(a, a.layout.heap)

    @adv.on(Point.AFTER_RESUME, during=Phase.SPIN)
    def _(a: Adversary, **_: object) -> None:
        _device_write(a, a.memo["heap_pa"] + SECRET_OFF, bytes(SECRET_LEN))


assert BANNER_INTACT != BANNER_PWNED and len(BANNER_INTACT) == len(BANNER_PWNED)
