"""Sockets as objects (names, ports, connections, descriptors in flight) and the
sockets and gotour workloads under the Guardian: a confidential run prints exactly
what the native run prints.

The workloads (real AArch64 code, C and Go) are compared with qemu-user by
test_differential and checked line by line by test_boot_workloads.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cli.session import run_program
from kernel_model.errors import KernelError
from kernel_model.files import make_pipe
from kernel_model.sockets.addr import (
    AF_INET,
    AF_INET6,
    V6_ANY,
    V6_LOOPBACK,
    InetAddr,
    UnixAddr,
    parse_inet,
    parse_unix,
)
from kernel_model.sockets.base import (
    IPPROTO_IPV6,
    IPPROTO_TCP,
    IPPROTO_UDP,
    IPV6_V6ONLY,
    SOCK_DGRAM,
    SOCK_SEQPACKET,
    SOCK_STREAM,
)
from kernel_model.sockets.dgram import DgramSocket
from kernel_model.sockets.network import EPHEMERAL_FIRST, Network
from kernel_model.sockets.stream import StreamSocket

LO4 = b"\x7f\0\0\x01"


def tcp(net: Network, family: int = AF_INET) -> StreamSocket:
    return StreamSocket(net, family, SOCK_STREAM, IPPROTO_TCP, 0)


def test_sockaddr_round_trips() -> None:
    a = InetAddr(AF_INET, LO4, 8080)
    assert parse_inet(a.pack(), AF_INET) == a and str(a) == "127.0.0.1:8080"
    b = InetAddr(AF_INET6, V6_LOOPBACK, 443)
    assert parse_inet(b.pack(), AF_INET6) == b and str(b) == "[::1]:443"
    assert parse_unix(UnixAddr(b"/run/x.sock").pack()) == UnixAddr(b"/run/x.sock")
    abstract = UnixAddr(b"\0name\0with-nul")
    assert parse_unix(abstract.pack()) == abstract and abstract.abstract
    with pytest.raises(KernelError):
        parse_inet(a.pack()[:8], AF_INET)


def test_ports_ephemeral_in_use_and_dual_stack() -> None:
    net = Network()
    first, second = tcp(net), tcp(net)
    net.bind_inet(first, InetAddr(AF_INET, LO4, 0))
    net.bind_inet(second, InetAddr(AF_INET, LO4, 0))
    assert [first.local.port, second.local.port] == [EPHEMERAL_FIRST, EPHEMERAL_FIRST + 1]  # type: ignore[union-attr]
    wild6 = tcp(net, AF_INET6)
    with pytest.raises(KernelError) as e:     # a dual-stack [::] overlaps 127.0.0.1
        net.bind_inet(wild6, InetAddr(AF_INET6, V6_ANY, EPHEMERAL_FIRST))
    assert e.value.errno == 98
    only6 = tcp(net, AF_INET6)
    only6.options[(IPPROTO_IPV6, IPV6_V6ONLY)] = 1
    net.bind_inet(only6, InetAddr(AF_INET6, V6_ANY, EPHEMERAL_FIRST))     # v6-only: no overlap
    foreign = tcp(net)
    with pytest.raises(KernelError) as e:
        net.bind_inet(foreign, InetAddr(AF_INET, b"\xc0\0\x02\x01", 80))
    assert e.value.errno == 99                # EADDRNOTAVAIL: only loopback exists


def test_dual_stack_listener_takes_ipv4() -> None:
    net = Network()
    ln = tcp(net, AF_INET6)
    net.bind_inet(ln, InetAddr(AF_INET6, V6_ANY, 5000))
    ln.listen(4)
    assert net.find_inet("tcp", InetAddr(AF_INET, LO4, 5000), listening=True) is ln
    assert net.find_inet("tcp", InetAddr(AF_INET6, V6_LOOPBACK, 5000), listening=True) is ln
    assert net.find_inet("tcp", InetAddr(AF_INET, LO4, 5001), listening=True) is None
    with pytest.raises(KernelError) as e:
        net.route(InetAddr(AF_INET, b"\x08\x08\x08\x08", 53))
    assert e.value.errno == 101               # ENETUNREACH


def test_stream_keeps_files_with_their_byte_and_eof() -> None:
    net = Network()
    a = StreamSocket(net, 1, SOCK_STREAM, 0, 0)
    b = StreamSocket(net, 1, SOCK_STREAM, 0, 0)
    StreamSocket.pair(a, b)
    r, w = make_pipe()
    w.incref()
    assert a.send(b"ab") == 2 and a.send(b"F", [w]) == 1 and a.send(b"cd") == 2
    first = b.recv(100)
    assert first is not None and first.data == b"ab" and not first.fds   # stops before the file
    second = b.recv(100)
    assert second is not None and second.data == b"F" and second.fds == [w]
    assert w.refs == 2                        # ours and the one in flight
    a.close()
    rest = b.recv(100)
    assert rest is not None and rest.data == b"cd"
    eof = b.recv(100)
    assert eof is not None and eof.data == b""


def test_seqpacket_and_dgram_keep_boundaries() -> None:
    net = Network()
    a, b = (StreamSocket(net, 1, SOCK_SEQPACKET, 0, 0) for _ in range(2))
    StreamSocket.pair(a, b)
    a.send(b"123456")
    got = b.recv(4)
    assert got is not None and got.data == b"1234" and got.flags == 0x20      # MSG_TRUNC
    u = DgramSocket(net, AF_INET, SOCK_DGRAM, IPPROTO_UDP, 0)
    net.bind_inet(u, InetAddr(AF_INET, LO4, 0))
    v = DgramSocket(net, AF_INET, SOCK_DGRAM, IPPROTO_UDP, 0)
    assert net.send_dgram(v, b"x" * 10, u.local, []) == 10                     # type: ignore[arg-type]
    got = u.recv(100)
    assert got is not None and got.sender == InetAddr(AF_INET, LO4, v.local.port)  # type: ignore[union-attr]


def _outcome(name: str, tmp_path: Path, **kw: object) -> tuple[int, bytes]:
    out = io.BytesIO()
    res = run_program(name, [], rootfs=tmp_path, stdout=out, stderr=io.BytesIO(),
                      stdin=io.BytesIO(), **kw)  # type: ignore[arg-type]
    return res.exit_code, out.getvalue()


@pytest.mark.parametrize("name", ["sockets", "gotour"])
def test_confidential_matches_native(name: str, tmp_path: Path) -> None:
    (tmp_path / "n").mkdir()
    (tmp_path / "c").mkdir()
    native = _outcome(name, tmp_path / "n")
    confidential = _outcome(name, tmp_path / "c", guardian="on", confidential=True)
    assert native[0] == 0 and b"passed: 0 failures" in native[1], native[1].decode()
    assert confidential == native


BUSYBOX = Path(__file__).resolve().parent.parent / "workloads" / ".cache" / "busybox"


@pytest.mark.skipif(not BUSYBOX.exists(), reason="no BusyBox (run workloads/get-busybox.sh)")
def test_busybox_nc_ps_df(tmp_path: Path) -> None:
    """Real tools on the loopback network and /proc: nc to nc over TCP, ps, df."""
    script = ("busybox nc -l -p 7777 > got.txt & sleep 0.1; echo over-tcp | busybox nc 127.0.0.1 7777;"
              " wait; cat got.txt; busybox ps; busybox df /")
    out = io.BytesIO()
    res = run_program(str(BUSYBOX), ["sh", "-c", script], rootfs=tmp_path, stdout=out,
                      stderr=io.BytesIO(), stdin=io.BytesIO())
    lines = out.getvalue().decode().splitlines()
    assert res.exit_code == 0, lines
    assert lines[0] == "over-tcp"
    assert lines[1].split() == ["PID", "USER", "COMMAND"]
    assert any(line.endswith("busybox ps") for line in lines)
    assert lines[-1].split()[0] == "/dev/root" and lines[-1].endswith("% /")


def test_go_runtime_run_is_repeatable(tmp_path: Path) -> None:
    """Threads, timers, the netpoller and loopback TCP: the same run twice gives the same
    output and the same counters (virtual time, not the host's, decides every wake-up)."""
    runs = []
    for i in range(2):
        (tmp_path / str(i)).mkdir()
        out = io.BytesIO()
        res = run_program("gotour", [], rootfs=tmp_path / str(i), stdout=out,
                          stderr=io.BytesIO(), stdin=io.BytesIO())
        runs.append((res.exit_code, out.getvalue(), res.stats))
    assert runs[0][0] == 0
    assert runs[0] == runs[1]
