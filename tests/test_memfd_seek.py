"""lseek's SEEK_DATA and SEEK_HOLE on a memfd the program wrote, truncated, punched and
fallocated: Blindfold answers as Linux (shmem_file_llseek() -> mapping_seek_hole_data()),
natively and confidential, where `return.seek_hole` judges both (a SEEK_DATA answer
only where a folio holding a written page may begin) -- checked against qemu."""

from __future__ import annotations

from pathlib import Path

from tests.model_diff import agrees_with_qemu, needs_tools

pytestmark = needs_tools

SOURCE = r"""#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
static void at(int fd, const char *tag, off_t off, int whence) {
    errno = 0; off_t r = lseek(fd, off, whence);
    printf("%s %ld: %ld errno %d\n", tag, (long)off, (long)r, r < 0 ? errno : 0);
}
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    int m = memfd_create("s", 0);
    char b[100] = {1};
    write(m, b, 100); ftruncate(m, 5 * 4096); pwrite(m, b, 10, 3 * 4096 + 7);
    at(m, "data", 0, SEEK_DATA); at(m, "data", 50, SEEK_DATA); at(m, "data", 4096, SEEK_DATA);
    at(m, "data", 3 * 4096 + 100, SEEK_DATA); at(m, "data", 4 * 4096, SEEK_DATA);
    at(m, "hole", 0, SEEK_HOLE); at(m, "hole", 3 * 4096, SEEK_HOLE);
    fallocate(m, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 3 * 4096, 4096);
    at(m, "data after punch", 4096, SEEK_DATA);
    int n = memfd_create("t", 0); ftruncate(n, 4 * 4096); fallocate(n, 0, 4096, 4096);
    at(n, "data fallocated", 0, SEEK_DATA);
    return 0;
}
"""


def test_seek_data_and_hole_on_a_memfd_as_linux(tmp_path: Path) -> None:
    agrees_with_qemu(tmp_path, "memfd_seek", SOURCE,
                     b"data 0: 0 errno 0", b"data 50: 50 errno 0",
                     b"data 16384: -1 errno 6", b"hole 12288: 16384 errno 0")
