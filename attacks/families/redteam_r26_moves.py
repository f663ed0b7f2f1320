"""Red-team round twenty-six, part three: bytes the kernel moves between a program's own
objects, and objects kept across fork, vfork and exec.

splice() and sendfile() from the program's own memfd into its own pipe (the bytes and the
offsets they write back), a pipe kept across an execve() of itself, a memfd one process
maps MAP_SHARED while another reads it, and a pipe a vfork child writes into.  Victim and
conventions as in `redteam_r26`.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r18 import _fill
from attacks.families.redteam_r26 import (
    EXEC_TOO,
    IPC,
    MINUS_FOUR,
    NR_PREAD64,
    NR_READ,
    NR_SENDFILE,
    NR_SPLICE,
    P_COMM,
    P_EXEC_PIPE,
    P_MEMFD_SHARED,
    P_SENDFILE,
    P_SENDFILE_OFF,
    P_SPLICE,
    P_SPLICE_OFF,
    P_VFORK_PIPE,
    RT,
    _marker_arg,
)
from attacks.moves import write_back
from attacks.scenario import Goal, scenario

# --- QI-022, QI-023: bytes moved inside the kernel into the program's own pipe --------------

@scenario(id="QI-022", title="Answer a read of the pipe the program spliced its own memfd "
                             "into with a byte the memfd never held",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="A pipe only the program holds reads the bytes spliced into it from its own "
               "memfd.")
def qi_splice_bytes(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) writes the index byte 0 into its own memfd,
    splice()s it into its own pipe, reads the pipe and logs the label the signed byte
    names from a log buffer that begins with a copy of the secret.
    2. Let the read run, then write 0xfc and answer 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: splice from a file into a pipe fills the pipe with the
    file's page at that offset; memfd and pipe are the program's alone.  The Guardian
    knows both (it keeps the memfd's bytes) but a splice stops every object of the domain
    being judged (sole_held) instead of moving the bytes it knows."""
    _fill(adv, P_SPLICE, NR_READ, 1, MINUS_FOUR, 1)


@scenario(id="QI-023", title="Answer a read of the pipe the program sendfile()d its own memfd "
                             "into with a byte the memfd never held",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="A pipe only the program holds reads the bytes sendfile moved into it from "
               "its own memfd.")
def qi_sendfile_bytes(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) writes the index byte 0 into its own memfd,
    sendfile()s it into its own pipe, reads the pipe and logs the label the signed byte
    names from a log buffer that begins with a copy of the secret.
    2. Let the read run, then write 0xfc and answer 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Why Linux never does this: sendfile copies the memfd's bytes at the offset given into
    the pipe; both are the program's alone, so the pipe holds the byte 0.  As with
    splice, the Guardian stops judging instead of following the move."""
    _fill(adv, P_SENDFILE, NR_READ, 1, MINUS_FOUR, 1)


# --- QI-030: a pipe kept across an exec -----------------------------------------------------

@scenario(id="QI-030", title="Answer the exec'd image's read of a pipe the old image filled "
                             "with a byte the old image never wrote",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          args=(EXEC_TOO,),
          silent="the predecessor design cannot serve the execve (its arguments are EFAULT "
                 "to the kernel), so no new image ever reads the pipe",
          prop="A pipe kept open across execve() holds the bytes written into it before.")
def qi_exec_pipe(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc -x) writes the index byte 0 into its own pipe and
    execve()s itself with "-r FD", keeping the read end; the new image (with a secret of
    its own) reads the byte and logs the label it names from a log buffer that begins
    with a copy of its secret.
    2. Let the new image's read run, then write 0xfc and answer 1.
    3. The index is -4: the new image logs bytes 0..7 of its secret's copy.
    Why Linux never does this: execve keeps descriptors without FD_CLOEXEC and the pipe's
    buffer with them; only the program ever held the pipe, and it wrote the byte 0.  The
    Guardian follows a pipe the program made until an exec keeps it, then stops judging
    it, though both images are the program's and it sees every call of each."""
    _marker_arg(adv, P_COMM)                 # the old image's last step before the exec
    _fill(adv, P_EXEC_PIPE, NR_READ, 1, MINUS_FOUR, 1)


# --- QI-031: a memfd one process maps MAP_SHARED and another reads --------------------------

@scenario(id="QI-031", title="Answer pread() of a memfd a fork child stored into through a "
                             "MAP_SHARED mapping with a byte it never stored",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          silent="the Guardian copies the mapped page's bytes into the buffer itself "
                 "(return.memfd_mapped): the kernel's byte never reaches the program",
          prop="A read of a memfd returns what the stores through its shared mappings left "
               "in its pages.")
def qi_memfd_shared_pread(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) makes a one-page memfd and forks; the child maps it
    MAP_SHARED, stores 7 into its first byte and exits; the parent reaps it, pread()s
    that byte and logs the label byte - 7 names from a log buffer that begins with a copy
    of the secret.
    2. Let the pread run, then write 3 and answer 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.
    Linux: a memfd is one shmem inode, and its MAP_SHARED mapping and its read() share one
    page-cache page (shmem_fault() maps the folio shmem_file_read_iter() copies from): the
    parent reads the child's 7.  The page is confidential (held by the Guardian once the
    child's mapping went), so no kernel can read it, the honest one included; for a memfd
    only the program holds, the Guardian copies the bytes of such a page into the read's
    buffer itself (return.memfd_mapped), and the kernel answers the count only."""
    _fill(adv, P_MEMFD_SHARED, NR_PREAD64, 1, b"\x03", 1)


# --- QI-033, QI-034: the file offset a move writes back -------------------------------------

@scenario(id="QI-033", title="Write back sendfile()'s offset unmoved after it moved 8 bytes of "
                             "the program's memfd",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="sendfile() with an offset writes back that offset moved on by the count it "
               "returns.")
def qi_sendfile_offset(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) sendfile()s 8 bytes of its own memfd, from offset
    0, to /dev/null and logs the label (offset - count) / 8 names from a log buffer that
    begins with a copy of the secret.
    2. Let the call run (it answers 8), then write the offset back as 0.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.
    Why Linux never does this: do_sendfile reads from *offset and stores pos back, pos
    having advanced by exactly the bytes it moved.  The Guardian holds the count to the
    room asked (return.count_bound) but not the offset to the count."""
    write_back(adv, NR_SENDFILE, P_SENDFILE_OFF, 2, 0, result=None, size=8)


@scenario(id="QI-034", title="Write back splice()'s input offset unmoved after it moved a byte "
                             "of the program's memfd",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="splice() with an input offset writes back that offset moved on by the count "
               "it returns.")
def qi_splice_offset(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) splice()s 1 byte of its own memfd, from offset 0,
    into its own pipe and logs the label offset - count names from a log buffer that
    begins with a copy of the secret.
    2. Let the call run (it answers 1), then write the offset back as 0.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.
    Why Linux never does this: splice_file_to_pipe advances the offset it read from by
    the bytes spliced and copies it back to off_in."""
    write_back(adv, NR_SPLICE, P_SPLICE_OFF, 1, 0, result=None, size=8)


# --- QI-035: a pipe a vfork child wrote into ------------------------------------------------

@scenario(id="QI-035", title="Answer the parent's read of a pipe a vfork child wrote into with "
                             "a byte the child never wrote",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=IPC,
          prop="A pipe only the program's processes hold reads what they wrote, a vfork "
               "child's writes included.")
def qi_vfork_pipe(adv: Adversary) -> None:
    """1. The program (secret_r26_ipc) makes a pipe and vfork()s; the child writes the
    index byte 0 into it and exits; the parent reads the byte and logs the label it names
    from a log buffer that begins with a copy of the secret.
    2. Let the parent's read run, then write 0xfc and answer 1.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  The pipe's
    only writer was the vfork child (a process of the program whose write the Guardian
    saw), which wrote 0."""
    _fill(adv, P_VFORK_PIPE, NR_READ, 1, MINUS_FOUR, 1)
