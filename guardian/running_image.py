"""`return.running_image`: the file a program runs from reads as the file exec loaded.

Linux denies writers to an executable file while a process runs from it
(deny_write_access(): an open for writing fails with ETXTBSY), so the bytes and the size
the program finds in its own executable (or, for a dynamic program, in its interpreter)
are the ones exec loaded: the ones the user admitted and the Guardian measured.  A program
that checks data appended to its own file, or reads its own header, takes them as given:

* pread64 of a descriptor the program opened by that file's admitted path returns that
  file's bytes at the offset asked (a short count is Linux's to give; its bytes are not);
* fstat of such a descriptor reports the file's size.

The file is known by the guest path the user's launch path admitted it at
(`Admission.image_paths`; as for every admitted file, the admission fixes what that path
holds) and counts as running while the caller's domain runs that
image (every address space of a domain runs its one image: an exec makes a new domain).
"""

from __future__ import annotations

import struct

from abi import Status
from abi.layout import ERRNO_FLOOR, NR_FSTAT, NR_PREAD64
from guardian.checks import refuse
from guardian.confidential_admission import Admission
from guardian.confidential_files import Descriptors
from guardian.confidential_registry import Registry
from guardian.slots import Slot
from guardian.user_memory import UserMemory

CALLS = frozenset({NR_PREAD64, NR_FSTAT})
#: arm64's struct stat: st_size's offset.
ST_SIZE = 48


class RunningImage:
    def __init__(self, registry: Registry, memory: UserMemory, files: Descriptors,
                 admission: Admission) -> None:
        self.registry = registry
        self.memory = memory
        self.files = files
        self.admission = admission

    def _running(self, slot: Slot, fd: int) -> bytes | None:
        """The bytes of the executable file descriptor `fd` names, if the caller runs it."""
        path = self.files.path_of(slot, fd)
        dom = self.registry.domains.get(slot.domain)
        if path is None or dom is None:
            return None
        digest = self.admission.image_paths.get(path)
        running = {i.digest for i in (dom.image, dom.program) if i is not None}
        return self.admission.image_data.get(digest) if digest in running else None

    def check(self, slot: Slot, ret: int) -> None:
        if ret >= ERRNO_FLOOR:
            return
        data = self._running(slot, slot.args[0])
        if data is None:
            return
        if slot.nr == NR_PREAD64 and ret:
            offset = slot.args[3]
            got = self.memory.read(slot.args[1], ret, slot.root)
            if got is not None and got != data[offset:offset + ret]:
                refuse("return.running_image", Status.ERR_DENIED,
                       f"pread64 of the executable the program runs from answers {ret} bytes "
                       f"at offset {offset:#x} that are not the file's (no one writes a "
                       "running executable)")
        elif slot.nr == NR_FSTAT:
            raw = self.memory.read(slot.args[1] + ST_SIZE, 8, slot.root)
            size = struct.unpack("<q", raw)[0] if raw is not None else len(data)
            if size != len(data):
                refuse("return.running_image", Status.ERR_DENIED,
                       f"fstat of the executable the program runs from reports size {size}, "
                       f"the file exec loaded has {len(data)} bytes")
