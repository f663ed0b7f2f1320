"""fallocate(PUNCH_HOLE | KEEP_SIZE) of a memfd reads as zeros in every MAP_SHARED view
(shmem_fallocate(): unmap_mapping_range() and shmem_truncate_range()), a partial page's
other bytes kept, another page untouched.  Confidential, the views' frames are the
Guardian's to zero (return.memfd_mapped).  Checked against qemu-aarch64-static."""

from __future__ import annotations

from pathlib import Path

from tests.model_diff import agrees_with_qemu, needs_tools

pytestmark = needs_tools

SOURCE = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void) {
    int fd = memfd_create("t", 0);
    ftruncate(fd, 3 * 4096);
    char *s = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *t = mmap(0, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
    memset(s, 'a', 3 * 4096);
    printf("before [%.4s] [%.4s]\n", t, t + 8192);
    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096 + 100);
    printf("punched %d %d %d [%.4s] [%.4s]\n", s[0], t[4095], t[4096 + 99],
           t + 4096 + 100, t + 8192);
    char buf[4];
    pread(fd, buf, 4, 4096 + 96);
    printf("read %d %d\n", buf[0], buf[3]);
    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 8192, 1 << 30);
    printf("tail %d\n", s[8192 + 5]);
    return 0;
}
"""


def test_a_punched_hole_reads_as_zeros_in_shared_views(tmp_path: Path) -> None:
    agrees_with_qemu(tmp_path, "memfd_punch", SOURCE,
                     b"punched 0 0 0 [aaaa] [aaaa]\n", b"tail 0\n")
