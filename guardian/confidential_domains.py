"""Domain lifecycle of confidential processes: admitting a measured image,
creating a domain from an exec'd tree, and retiring roots and domains at exit
(a confidential thread's fork is confidential_fork.py's).  The Guardian records
which roots, slots and frames belong to which domain; a page may only be
discarded when the program asked for it or its address space is being torn down.
"""

from __future__ import annotations

import os
import struct

from abi import FrameKind, Status
from abi.layout import (
    MADV_DISCARDING,
    MAP_FIXED,
    NR_BRK,
    NR_EXECVE,
    NR_MADVISE,
    NR_MMAP,
    NR_MREMAP,
    NR_MUNMAP,
    PROT_EXEC,
    PROT_READ,
    PROT_WRITE,
)
from emulator.fastuc import CTX_PC, CTX_SP, UserContext
from guardian import (
    checks,
    credentials,
    exec_args,
    exec_kept,
    exec_no_new_privs,
    initial_stack,
    launch_facts,
    launch_fds,
)
from guardian.checks import refuse
from guardian.child_exits import forget_root as forget_exits
from guardian.child_exits import note_exec_image, note_exec_teardown
from guardian.confidential_admission import Admission
from guardian.confidential_files import Descriptors
from guardian.confidential_registry import Registry
from guardian.confidential_selfsignal import SelfSignals
from guardian.cut_windows import CUT_CALLS, cut_copy, cut_page
from guardian.descriptor_kinds import leaf_frames
from guardian.discard_windows import advice_applies, window_open
from guardian.kernel_view import KernelView
from guardian.lazy_free import LazyFree
from guardian.locked_ranges import lock_refuses
from guardian.measure import MeasuredImage
from guardian.rseq_areas import RseqAreas
from guardian.self_reports import arg_env_areas
from guardian.slots import (
    PAGE,
    STACK_ABOVE,
    STACK_RESERVE,
    Domain,
    Slot,
    Space,
    fixed_target,
    page_up,
)
from guardian.state import MonitorState
from guardian.umask_kept import process_mask
from guardian.user_memory import UserMemory

#: The syscalls that can take memory out of the program's view (`Lifecycle.unmapped_by`
#: is [] for every other, and the return path does not ask it).  A new case in
#: `unmapped_by` belongs here first: it stops at this list.
UNMAPPING_CALLS = frozenset({NR_MUNMAP, NR_MADVISE, NR_MMAP, NR_BRK, NR_MREMAP})

_PROT_RW = PROT_READ | PROT_WRITE


def _bss_prot(image: MeasuredImage, start: int) -> int:
    """A .bss area's protection: that of its PT_LOAD (vm_brk_flags() in load_elf_binary)."""
    return _PROT_RW | (PROT_EXEC if any(s == start for s, _ in image.bss_exec) else 0)


class Lifecycle:
    """CREATE_DOMAIN, exit and teardown of confidential domains."""

    def __init__(self, state: MonitorState, registry: Registry, memory: UserMemory,
                 admission: Admission, kernel_view: KernelView,
                 self_signals: SelfSignals, files: Descriptors) -> None:
        self.s = state
        self.registry = registry
        self.memory = memory
        self.admission = admission
        self.kernel_view = kernel_view
        self.self_signals = self_signals
        #: pages MADV_FREE left lazy-free (guardian/lazy_free.py)
        self.lazy_free = LazyFree()
        #: threads' registered rseq areas (guardian/rseq_areas.py)
        self.rseq = RseqAreas(memory)
        #: execve slot -> what the program passed, read when its address space went with
        #: the exec (None: not all of it was present then).
        self.exec_passed: dict[int, exec_args.ExecArgs | None] = {}
        #: execve slot -> the exec'ing thread's known credentials, kept with exec_passed.
        self.exec_ids: dict[int, credentials.Seen] = {}
        #: execve slot -> the exec'ing process's known umask (execve keeps its fs_struct).
        self.exec_umasks: dict[int, int | None] = {}
        #: execve slot -> the dispositions, persona and name Linux's exec leaves the new
        #: image (guardian/exec_kept.py), kept with exec_passed.
        self.exec_kept: dict[int, exec_kept.Kept] = {}
        #: The user's command lines for the programs it launches, when the launch path gave
        #: them (each served once): then an image naming no execve must be one of them.
        self.launches: list[exec_args.ExecArgs] = []
        self.launch_admitted = False
        #: The images the user's launches name (None in it: a launch that named none).
        self.launch_images: set[bytes | None] = set()
        self.files = files

    def admit_launch(self, argv: list[bytes], envp: list[bytes], path: str | None = None
                     ) -> None:
        """The user's command line for a program it launches, and the guest path of the
        program (admitted as an image there): the launch starts that image."""
        self.launches.append(exec_args.ExecArgs(argv[0] if argv else b"", tuple(argv),
                                                tuple(envp)))
        self.launch_admitted = True
        if path is not None:
            self.launch_images.add(self.admission.image_at(os.fsencode(path)))

    def create(self, root: int, entry: int, sp: int, digest: bytes, exec_slot: int = 0) -> int:
        """exec of a confidential image: the tree becomes a new domain; the first slot.

        ``digest`` names the admitted image the thread starts in; for a dynamically linked
        program that is its interpreter, and 40 more bytes name the program's own admitted
        image and the page-aligned bias it was loaded at (its pages are measured there).
        ``exec_slot`` is the execve of a confidential program this image serves: the
        initial stack then carries exactly the argv and envp that program passed.  0 is a
        launch of the user's: where the user's launch path gave its command line
        (`admit_launch`), the stack carries exactly that, once."""
        s = self.s
        reg = self.registry
        images = self.admission.images
        program, program_bias = None, 0
        if len(digest) == 72:
            program = images.get(digest[32:64])
            program_bias = struct.unpack("<Q", digest[64:72])[0]
            if program is None or program_bias % PAGE or (program_bias and not program.dynamic):
                refuse("create.admitted", Status.ERR_DENIED,
                       "the dynamic program's image was not admitted at a valid bias")
                return 0
            digest = digest[:32]
        if not s.is_root(root):
            refuse("create.root", Status.ERR_KIND, f"{root:#x} is no root")
        if root in reg.root_domain:
            refuse("create.fresh", Status.ERR_STATE, "already confidential")
        image = images.get(digest)
        if image is None:
            refuse("create.admitted", Status.ERR_DENIED,
                   "the image was not admitted by the user (no measurement)")
            return 0
        bias = entry - image.entry
        if (bias and not image.dynamic) or bias % PAGE:
            refuse("create.entry", Status.ERR_DENIED,
                   f"entry {entry:#x} is not the measured entry point")
        shared = self._shared_leaves(root)
        if shared is not None:
            refuse("create.exclusive", Status.ERR_STATE,
                   f"frame {shared:#x} is also mapped elsewhere")
        dom_id = reg.next_domain_id()
        dom = Domain(dom_id, key=s.entropy.domain_key(dom_id))
        dom.image, dom.bias = image, bias
        dom.program, dom.program_bias = program, program_bias
        space = Space()
        space.areas = [(a + bias, b + bias) for a, b in image.areas]
        if program is not None:
            space.areas += [(a + program_bias, b + program_bias) for a, b in program.areas]
        stack = ((sp & ~(PAGE - 1)) - STACK_RESERVE, (sp & ~(PAGE - 1)) + STACK_ABOVE)
        space.brk_start = space.brk = max(b for _, b in space.areas)
        # The images' .bss: anonymous read-write memory whose faults Linux resolves
        # (heap_faults.py).
        space.anon_areas = [(a + bias, b + bias, _bss_prot(image, a)) for a, b in image.bss]
        if program is not None:
            space.anon_areas += [(a + program_bias, b + program_bias, _bss_prot(program, a))
                                 for a, b in program.bss]
        space.areas.append(stack)
        space.stack = stack
        space.origins = [(a, b, dom.new_origin(), 0) for a, b in space.areas]
        space.lockable = list(space.areas)      # the image's file and bss areas, the stack
        shown, shown_bias = (program, program_bias) if program is not None else (image, bias)
        hwcap, hwcap2 = s.cpus[0].derive_hwcaps()
        want = initial_stack.Expected(
            phdr=shown.phdr + shown_bias if shown.phdr else 0, phent=shown.phent,
            phnum=shown.phnum, entry=shown.entry + shown_bias,
            base=bias if program is not None else 0, hwcap=hwcap, hwcap2=hwcap2,
            exec_image=bool(exec_slot), lsm_secure=self.files.stated.launch.secure_exec,
            launch_no_new_privs=self.files.stated.launch.no_new_privs)
        auxv: list[tuple[int, int]] = []
        at_random = initial_stack.check(lambda va, n: self.memory.read(va, n, root), sp, stack,
                                        want, auxv)
        space.auxv = tuple(auxv)
        space.arg_env = arg_env_areas(lambda va, n: self.memory.read(va, n, root), sp)
        started = program.digest if program is not None else image.digest
        kept: exec_kept.Kept | None = None
        if exec_slot:
            self._check_exec_args(exec_slot, root, dict(auxv), sp, started)
            before = credentials.settled(self._exec_ids(exec_slot))
            credentials.exec_keeps_real_ids(before, dict(auxv))
            kept = self.exec_kept[exec_slot] if exec_slot in self.exec_kept \
                else self._exec_kept(exec_slot)     # (popped at the commit)
            exec_no_new_privs.check_ids(before, kept is not None and kept.no_new_privs,
                                        dict(auxv))
        if not exec_slot and self.launch_admitted and self.launch_images and \
                None not in self.launch_images and started not in self.launch_images:
            refuse("create.launch_args", Status.ERR_DENIED,
                   "the user's launch starts an admitted image other than the program the "
                   "user named")
        launch = self._check_launch_args(root, sp) if not exec_slot and self.launch_admitted \
            else None
        # Every frame already in the tree is measured now, as if it were mapped now; the
        # stack the kernel built (argv, envp, auxv) is the program's input.
        reg.domains[dom_id] = dom
        try:
            for _, va, pa in self._leaves(root):
                if not stack[0] <= va < stack[1]:
                    self.admission.admit_page(dom_id, root, va, pa)
        finally:
            del reg.domains[dom_id]
        # Commit.
        mask: int | None = None     # the umask the exec'ing process held (execve keeps it)
        exec_groups: credentials.Seen = {}
        if launch is not None:
            self.launches.remove(launch)    # the user's launch is served, once
        if exec_slot:
            s.stats.inc("guardian.exec_args.bound")
            self.exec_passed.pop(exec_slot, None)
            exec_groups = credentials.groups_of(self._exec_ids(exec_slot))
            self.exec_ids.pop(exec_slot, None)
            mask = self.exec_umasks.pop(exec_slot) if exec_slot in self.exec_umasks \
                else self._exec_umask(exec_slot)
            self.exec_kept.pop(exec_slot, None)
            note_exec_image(reg, exec_slot, root)       # the exec'ing process goes on
            old = reg.slots.get(exec_slot)
            if old is not None and old.nr == NR_EXECVE:
                # The exec'ing thread left the address space it borrowed (vfork): its
                # execve is over there, and opens no unmapping window any more.
                del reg.slots[exec_slot]
                reg.returns += 1
                self.files.note_exec_borrowed(old)
        reg.add_domain(dom, root, space)
        if launch is not None:
            reg.exits.children_known.add(root)      # (the launch path starts it afresh)
        self._adopt_tree(root, dom.id)
        if exec_slot:
            self.s.shares.pass_exec_memfds(exec_slot, dom)
        if at_random is not None and checks.enabled("create.at_random"):
            # The 16 bytes AT_RANDOM names come from the Guardian, not the kernel.
            self.memory.write(at_random, self.s.entropy.draw(16, b"at_random"), root)
        ctx = UserContext()
        ctx.set(CTX_PC, entry)
        ctx.set(CTX_SP, sp)
        slot = reg.add_slot(dom.id, ctx, entry, None, root=root, thread=reg.new_thread())
        space.creds[slot.thread] = credentials.from_auxv(dict(auxv))
        if exec_slot:       # (prepare_exec_creds(): the group list goes on)
            space.creds[slot.thread].update(exec_groups)
        if exec_slot and mask is not None:
            space.umasks[reg.group_of(root, slot.thread)] = mask
        self.self_signals.start(root, slot.thread)
        inherited = bool(self.files.exec_tables)    # (an exec's table: not the launch's)
        self.files.start(root, slot.thread)
        if not exec_slot:      # (the user's launch: the launcher's no_new_privs)
            launch_facts.start(self.files.stated.launch, self.files.stated, root, slot.thread)
            if not inherited:
                launch_fds.start(self.files.table(root, slot.thread))
        launch_facts.note_exec(self.files.stated.launch, self.files.stated, root, dict(auxv))
        if kept is not None:
            exec_kept.apply(kept, space, self.files.stated, root, slot.thread,
                            secure=bool(dict(auxv).get(initial_stack.AT_SECURE, 0)))
            raisers = self.self_signals.raised.spaces.get(root)
            if not kept.filtered and raisers is not None:
                raisers.filtered = False    # (seccomp filters go on across exec, none added)
        if reg.live_root() == root:
            self.kernel_view.set(True)
        return slot.id

    def _passed(self, slot: Slot) -> exec_args.ExecArgs | None:
        """What the program in `slot` passed to execve, from its memory."""
        return exec_args.passed(lambda va, n: self.memory.read(va, n, slot.root),
                                slot.args[0], slot.args[1], slot.args[2])

    def _exec_ids(self, exec_slot: int) -> credentials.Seen:
        """The credentials the thread making execve `exec_slot` is known to hold."""
        if exec_slot in self.exec_ids:
            return self.exec_ids[exec_slot]
        slot = self.registry.slots.get(exec_slot)
        space = self.registry.space_of(slot.domain, slot.root) if slot is not None else None
        return dict(space.creds.get(slot.thread, {})) if space is not None and slot else {}

    def _exec_umask(self, exec_slot: int) -> int | None:
        """The umask the process making execve `exec_slot` is known to hold."""
        slot = self.registry.slots.get(exec_slot)
        space = self.registry.space_of(slot.domain, slot.root) if slot is not None else None
        if slot is None or space is None:
            return None
        return process_mask(space.umasks, self.registry.group_of(slot.root, slot.thread))

    def _exec_kept(self, exec_slot: int) -> exec_kept.Kept | None:
        """What the execve `exec_slot` keeps of its process (None: no such execve)."""
        slot = self.registry.slots.get(exec_slot)
        if slot is None or slot.nr != NR_EXECVE:
            return None
        passed = self.exec_passed.get(exec_slot) if exec_slot in self.exec_passed \
            else self._passed(slot)
        return exec_kept.collect(self.registry, self.files.stated, slot,
                                 passed.path if passed is not None else None,
                                 self.files.sole.filtered(slot))

    def _check_exec_args(self, exec_slot: int, root: int, auxv: dict[int, int],
                         sp: int, started: bytes) -> None:
        """The new image's argv and envp are the ones the exec'ing program passed, its
        AT_EXECFN names the path it passed, and an exec of a path the user admitted as an
        image starts that image (`started`: the digest of the program the new tree runs)."""
        if exec_slot in self.exec_passed:
            want = self.exec_passed[exec_slot]
        else:
            slot = self.registry.slots.get(exec_slot)
            if slot is None or slot.nr != NR_EXECVE:
                refuse("create.exec_args", Status.ERR_DENIED,
                       f"slot {exec_slot} is no execve of a confidential program in progress")
                return
            want = self._passed(slot)
        if want is None:
            refuse("create.exec_args", Status.ERR_DENIED,
                   "the exec'ing program's argv/envp were not all present to read")
            return
        named = self.admission.image_at(want.path)
        if named is not None and named != started and \
                not self.files.admitted_reads.may_differ(want.path):
            # The admission fixes what the path holds (as for every admitted file), and
            # load_elf_binary() runs the file the path names: for a dynamic program, the
            # program under its interpreter, never the interpreter alone or another image.
            refuse("create.exec_args", Status.ERR_DENIED,
                   "the program execs a path the user admitted as an image, and the new "
                   "tree runs another admitted image")
            return
        read = lambda va, n: self.memory.read(va, n, root)       # noqa: E731 - the new tree
        if initial_stack.AT_EXECFN in auxv and \
                exec_args.cstring(read, auxv[initial_stack.AT_EXECFN]) != want.path:
            # Linux points AT_EXECFN at bprm->filename, the path string execve was given.
            refuse("create.exec_filename", Status.ERR_DENIED,
                   f"AT_EXECFN does not name the path the program passed to execve "
                   f"({len(want.path)} bytes)")
        got = exec_args.on_stack(read, sp)
        if got is not None and got[0] != want.argv and exec_args.agrees(want, *got) and \
                self.admission.names_elf_image(want.path) and \
                not self.files.admitted_reads.may_differ(want.path):
            # The stack has the script form.  Only load_script() rewrites argv, for a file
            # that begins with "#!"; the file at this path is an ELF image the user
            # admitted (load_elf_binary keeps argv).
            refuse("create.exec_elf_argv", Status.ERR_DENIED,
                   f"the program execs an admitted ELF image, which starts with exactly the "
                   f"argv it passed (argv {exec_args.show(want.argv)}; the stack has "
                   f"{exec_args.show(got[0])}): no script's interpreter is put in front")
        if got is None or not exec_args.agrees(want, *got):
            shown = "no readable argv" if got is None else exec_args.show(got[0])
            refuse("create.exec_args", Status.ERR_DENIED,
                   f"the initial stack does not carry what the program passed to execve "
                   f"(argv {exec_args.show(want.argv)}; the stack has {shown})")

    def _check_launch_args(self, root: int, sp: int) -> exec_args.ExecArgs | None:
        """An image no execve names is a launch of the user's: once each, with the command
        line and environment the user gave.  Returns the launch it serves."""
        if not self.launches:
            refuse("create.launch_args", Status.ERR_DENIED,
                   "the user's launch was served already: a later confidential image is a "
                   "program's exec and names its execve (exec_slot)")
            return None
        got = exec_args.on_stack(lambda va, n: self.memory.read(va, n, root), sp)
        for want in self.launches:
            if got == (want.argv, want.envp):
                return want
        shown = "no readable argv" if got is None else exec_args.show(got[0])
        refuse("create.launch_args", Status.ERR_DENIED,
               f"the initial stack does not carry the user's command line (argv "
               f"{exec_args.show(self.launches[0].argv)}; the stack has {shown})")
        return None

    def _leaves(self, root: int) -> list[tuple[int, int, int]]:
        """(entry PA, va, frame) of every 4 KiB page root's tree maps."""
        out = []
        for entry_pa, level, desc in self.s.tables.leaf_entries(root):
            table = entry_pa & ~(PAGE - 1)
            va = self.s.tables.entry_va(table, (entry_pa & (PAGE - 1)) // 8)
            out += [(entry_pa, va + i * PAGE, pa) for i, pa in enumerate(leaf_frames(level, desc))]
        return out

    def _shared_leaves(self, root: int) -> int | None:
        """A frame the tree maps that some other mapping also uses (None if none)."""
        fr = self.s.frames
        for _, level, desc in self.s.tables.leaf_entries(root):
            for pa in leaf_frames(level, desc):
                if not fr.contains(pa):
                    return pa
                rec = fr.record(pa)
                if rec.user_maps != 1 or rec.kind == FrameKind.CONFIDENTIAL:
                    return pa
        return None

    def _adopt_tree(self, root: int, domain: int) -> None:
        """A new domain's tree: its tables and the frames it maps become the domain's."""
        fr = self.s.frames
        for table, _ in self.s.tables.tables(root):
            fr.adopt_table(table, domain)
        for entry_pa, va, pa in self._leaves(root):
            # The mapping was counted when the tree was ordinary; now record its place.
            fr.record_place(pa, (root, va, entry_pa))
            self.s.protect_frame(pa, domain)

    def exit_root(self, root: int) -> int:
        """The kernel tears an address space down: nothing of it runs again."""
        reg = self.registry
        if root not in reg.root_domain:
            refuse("exit.root", Status.ERR_KIND, f"{root:#x} is not a confidential address space")
        reg.dying.add(root)
        note_exec_teardown(reg, root)
        reg.process_of_root.pop(root, None)
        for slot in reg.slots.values():
            if slot.root == root and slot.nr == NR_EXECVE:
                self.self_signals.note_exec(slot)
                # Its memory goes now: what it passed is read while it is still there.
                self.exec_passed[slot.id] = self._passed(slot)
                self.exec_ids[slot.id] = self._exec_ids(slot.id)
                self.exec_umasks[slot.id] = self._exec_umask(slot.id)
                self.exec_kept[slot.id] = exec_kept.collect(
                    reg, self.files.stated, slot,
                    self.exec_passed[slot.id].path if self.exec_passed[slot.id] else None,
                    self.files.sole.filtered(slot))
                self.files.note_exec(slot)
                table = self.files.table(slot.root, slot.thread)
                self.s.shares.note_exec(slot.id, slot.domain,
                                        [f.memfd for f in table.fds.values()
                                         if f.memfd and not f.cloexec])
        # A call in progress there ends without returning: what it did is not known.
        self.files.sole.note_abandoned(s for s in reg.slots.values() if s.root == root)
        self.files.retire(root)
        reg.drop_slots(root=root)
        return 0

    def may_discard(self, root: int, va: int, pa: int | None = None) -> bool:
        """May the last mapping of the confidential page at va go (and the page with it)?
        `pa`: the frame the entry maps there, if it maps one.

        Only inside the window the program's own request opens (munmap, a discarding
        madvise, a smaller brk, the old range of mremap, the target of an
        mremap(MREMAP_FIXED) until its first page moves there, MAP_FIXED over a range, the
        pages of a memfd past the end its ftruncate or O_TRUNC open cuts it to --
        cut_windows.py --, in a syscall it is making now) or once its address space is being torn down (its exit
        or exec, EXIT_DOMAIN); anything else would silently replace its data with zeros.
        A thread's exit, or a vfork child's exit or execve, never opens a window by
        itself: the address space lives on for the threads (or the parent) that share it,
        and those calls never return to close it."""
        reg = self.registry
        if root in reg.dying:
            return True
        for slot in reg.slots.values():
            if slot.nr in CUT_CALLS:
                # The program's cut of a memfd: its pages past the new end, in every tree
                # of the domain (truncate_pagecache() unmaps them from every mapping).
                if reg.root_domain.get(root) == slot.domain and (cut_page(
                        self.files, reg, slot, self.s.shares.key_at(slot.domain, root, va))
                        or cut_copy(self.files, reg, slot, reg.space_of(slot.domain, root),
                                    va)):
                    slot.discarded = True
                    return True
                continue
            if slot.root != root or slot.nr not in UNMAPPING_CALLS:
                continue
            space = reg.space_of(slot.domain, root)
            if window_open(slot, space) and self._in_window(slot, space, root, va, pa):
                slot.discarded = True       # the call must now succeed (its return checks)
                return True
        # Reclaim's later drop of a clean lazy-free page (try_to_unmap_one()).
        return pa is not None and bool(self.lazy_free.pages) and self.lazy_free.may_drop(
            self.s.frames, self.s.ram, root, va, pa)

    def _in_window(self, slot: Slot, space: Space | None, root: int, va: int,
                   pa: int | None) -> bool:
        """Is va inside the window the call in `slot`, whose arguments Linux accepts,
        opens?"""
        a = slot.args
        nr = slot.nr
        if nr == NR_MUNMAP:
            return a[0] <= va < a[0] + page_up(a[1])
        if nr == NR_MADVISE:
            return a[2] in MADV_DISCARDING and a[0] <= va < a[0] + page_up(a[1]) and (
                not checks.enabled("discard.linux_accepts")
                or advice_applies(a[2], space, va)) and not lock_refuses(
                    a[2], space, va, slot, self.registry.slots.values())
        if nr == NR_MREMAP:
            if a[0] + page_up(min(a[2], a[1])) <= va < a[0] + page_up(a[1]):
                return True      # the part a shrinking mremap cuts off
            if a[0] <= va < a[0] + page_up(a[1]) \
                    and slot.move_delta is not None and self._moved(root, va, pa, slot):
                return True      # a moved page's old place (it lives on at the new one)
            if slot.move_delta is None:
                target = fixed_target(nr, a)
                if target is not None and target[0] <= va < target[1]:
                    return True  # MREMAP_FIXED's target, unmapped before the first page moves
            return False
        if nr == NR_MMAP:
            return bool(a[3] & MAP_FIXED) and a[0] <= va < a[0] + page_up(a[1])
        if nr == NR_BRK and a[0] and space is not None:
            return page_up(a[0]) <= va < page_up(space.brk)
        return False

    def _moved(self, root: int, va: int, pa: int | None, slot: Slot) -> bool:
        """Has the page at va of an mremap's old range moved, so its old place may go: its
        frame is mapped at its own place in the new range (va + the move's distance)?  A
        page of the old range that has not moved keeps its place however many others did
        (bounded by checks.enabled, so a build without the check opens the whole range)."""
        if not checks.enabled("remap.moved_only"):
            return True
        if pa is None or slot.move_delta is None:
            return False
        to = (va + slot.move_delta) & ((1 << 64) - 1)
        return any(r == root and v == to for r, v, _ in self.s.frames.mappings(pa))

    def unmapped_by(self, slot: Slot, ret: int) -> list[tuple[int, int]]:
        """The ranges a syscall that completed with `ret` took out of the program's view
        (its munmap, discarding madvise, MAP_FIXED, brk shrink, mremap's old range and the
        target an mremap(MREMAP_FIXED) unmapped)."""
        nr, a = slot.nr, slot.args
        if ret >= (1 << 64) - 4096 or nr not in UNMAPPING_CALLS:
            return []
        if not window_open(slot, self.registry.space_of(slot.domain, slot.root)):
            return []     # arguments Linux refuses: nothing was unmapped
        if (nr == NR_MUNMAP or (nr == NR_MADVISE and a[2] in MADV_DISCARDING)) and ret == 0:
            return [(a[0], a[0] + page_up(a[1]))]
        if nr == NR_MMAP and a[3] & MAP_FIXED:
            return [(ret, ret + page_up(a[1]))]
        if nr == NR_BRK and a[0] and ret == a[0]:
            space = self.registry.space_of(slot.domain, slot.root)
            if space is not None and page_up(ret) < page_up(space.brk):
                return [(page_up(ret), page_up(space.brk))]
        if nr == NR_MREMAP:
            target = fixed_target(nr, a)
            if target is not None and ret == target[0] and slot.move_delta is None:
                # Nothing moved: the target's old pages went at the start (a page moved
                # there forgot them as it came, see Shares.move_in_progress).
                return [(a[0], a[0] + page_up(a[1])), target]
            if ret != a[0]:
                return [(a[0], a[0] + page_up(a[1]))]        # moved: the old place is gone
            return [(a[0] + page_up(a[2]), a[0] + page_up(a[1]))] if a[2] < a[1] else []
        return []

    def forget_root(self, root: int) -> None:
        reg = self.registry
        reg.dying.discard(root)
        reg.vfork_done = {k for k in reg.vfork_done if k[0] != root}
        reg.vfork_waiting = {k: v for k, v in reg.vfork_waiting.items() if k[0] != root}
        reg.thread_groups = {k: v for k, v in reg.thread_groups.items() if k[0] != root}
        reg.groups_exited = {k for k in reg.groups_exited if k[0] != root}
        reg.reaped = {k for k in reg.reaped if k[0] != root}
        forget_exits(reg.exits, root)
        reg.tid_cleared = {k for k in reg.tid_cleared if k[0] != root}
        reg.live_threads = {k: v for k, v in reg.live_threads.items() if k[0] != root}
        reg.made_threads = {k for k in reg.made_threads if k[0] != root}
        reg.vm_children = {k: v for k, v in reg.vm_children.items() if k[0] != root}
        self.s.fork_copy.forget(root)
        self.lazy_free.forget(root)
        self.rseq.forget(root)
        self.self_signals.forget(root)
        self.files.forget(root)
        dom_id = reg.root_domain.pop(root, None)
        if dom_id is None:
            return
        dom = reg.domains[dom_id]
        dom.roots.discard(root)
        dom.spaces.pop(root, None)
        self.s.shares.release_unmapped(dom_id)
        for space in dom.spaces.values():
            if space.fork_parent == root:
                space.fork_parent = 0       # (a later tree at the same address is another)
        if not dom.roots:
            del reg.domains[dom_id]
            reg.drop_slots(domain=dom_id)
            self.self_signals.sends.forget_domain(dom_id)
        self.s.on_tree_freed(root)
