"""GDB remote serial protocol framing over one TCP connection.

`$payload#xx` packets with a modulo-256 checksum, `}` escapes, `+`/`-`
acknowledgements (until gdb asks for no-ack mode) and the out-of-band Ctrl-C
byte.  Anything malformed is dropped (and NAKed in ack mode); the peer can never
make this layer raise, allocate without bound or block a poll.
"""

from __future__ import annotations

import select
import socket

MAX_PACKET = 64 * 1024          # what qSupported announces as PacketSize
INTERRUPT = b"\x03"


class Disconnected(Exception):  # noqa: N818 - an event, not an error
    """The debugger closed the connection."""


def checksum(data: bytes) -> int:
    return sum(data) & 0xFF


def escape(data: bytes) -> bytes:
    """Binary data as it may appear inside a packet (`#`, `$`, `}`, `*` escaped)."""
    out = bytearray()
    for b in data:
        if b in (0x23, 0x24, 0x7D, 0x2A):
            out += bytes((0x7D, b ^ 0x20))
        else:
            out.append(b)
    return bytes(out)


def unescape(data: bytes) -> bytes:
    out = bytearray()
    it = iter(data)
    for b in it:
        if b == 0x7D:
            nxt = next(it, None)
            if nxt is None:
                break
            out.append(nxt ^ 0x20)
        else:
            out.append(b)
    return bytes(out)


class RspConnection:
    """One debugger connection: read packets, write packets, notice interrupts."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buf = bytearray()
        self.ack_mode = True
        self.interrupt_pending = False
        self.packets_in = 0
        self.malformed = 0

    # --- input -------------------------------------------------------------------
    def _fill(self, timeout: float | None) -> bool:
        """Read what is available (waiting at most `timeout`); False if nothing came."""
        if timeout is not None:
            ready, _, _ = select.select([self.sock], [], [], timeout)
            if not ready:
                return False
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, OSError) as exc:
            raise Disconnected() from exc
        if not data:
            raise Disconnected()
        self._buf += data
        return True

    def _take_packet(self) -> bytes | None:
        """One complete packet (or the interrupt byte) from the buffer, if present."""
        buf = self._buf
        while buf:
            b = buf[0]
            if b == 0x03:
                del buf[0]
                return INTERRUPT
            if b != 0x24:                       # '$': skip acks and noise
                del buf[0]
                continue
            end = buf.find(b"#", 1)
            if end < 0:
                if len(buf) > MAX_PACKET + 4:  # a packet that never ends: drop it
                    self.malformed += 1
                    del buf[:]
                return None
            if len(buf) < end + 3:
                return None
            payload = bytes(buf[1:end])
            sum_text = bytes(buf[end + 1:end + 3])
            del buf[:end + 3]
            try:
                ok = int(sum_text, 16) == checksum(payload)
            except ValueError:
                ok = False
            if not ok or len(payload) > MAX_PACKET:
                self.malformed += 1
                if self.ack_mode:
                    self._send_raw(b"-")
                continue
            if self.ack_mode:
                self._send_raw(b"+")
            self.packets_in += 1
            return payload
        return None

    def recv_packet(self) -> bytes:
        """Block until a packet (or the interrupt byte) arrives."""
        while True:
            pkt = self._take_packet()
            if pkt is not None:
                return pkt
            self._fill(None)

    def poll_interrupt(self) -> bool:
        """Non-blocking: has gdb sent Ctrl-C?  Other packets stay buffered."""
        if self.interrupt_pending:
            return True
        try:
            while self._fill(0.0):
                pass
        except Disconnected:
            self.interrupt_pending = True
            return True
        idx = self._buf.find(INTERRUPT)
        if idx >= 0:
            del self._buf[idx]
            self.interrupt_pending = True
        return self.interrupt_pending

    # --- output ------------------------------------------------------------------
    def _send_raw(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise Disconnected() from exc

    def send_packet(self, payload: bytes | str) -> None:
        if isinstance(payload, str):
            payload = payload.encode("latin-1")
        # Acks from gdb are not awaited: a NAK would only ask for a resend over TCP,
        # which never corrupts data, so the stub stays simple and never blocks on one.
        self._send_raw(b"$" + payload + b"#" + b"%02x" % checksum(payload))
