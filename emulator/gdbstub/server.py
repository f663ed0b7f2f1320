"""The gdb stub: answers the remote serial protocol while the machine is stopped.

It is called by `ExecutionControl` at a stop (`stopped`) and returns when gdb
resumes the machine; reverse execution hands the machine over to a process
resumed from a checkpoint (`History`) and never returns.  Every packet is parsed
defensively: a malformed one gets an error reply or the empty reply (what gdb
reads as "not supported"), never an exception out of the stub.
"""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING

from emulator.gdbstub import rsp
from emulator.gdbstub.access import PacketError, StateAccess, addr_len, hex_int
from emulator.gdbstub.control import (
    WATCH_ACCESS,
    WATCH_READ,
    WATCH_WRITE,
    Detached,
    ExecutionControl,
    StopReason,
)
from emulator.gdbstub.target import SYSTEM_REGS, DebugTarget

if TYPE_CHECKING:
    from emulator.gdbstub.history import History

log = logging.getLogger(__name__)

_SUPPORTED = (f"PacketSize={rsp.MAX_PACKET:x};qXfer:features:read+;qXfer:auxv:read+;"
              "qXfer:exec-file:read+;QStartNoAckMode+;swbreak+;hwbreak+;vContSupported+;"
              "ReverseStep+;ReverseContinue+")


class GdbServer:
    """One listening socket, at most one debugger connection at a time."""

    def __init__(self, control: ExecutionControl, target: DebugTarget, host: str,
                 port: int) -> None:
        self.control = control
        self.target = target
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, port))
        self.listener.listen(1)
        self.address = self.listener.getsockname()
        self.conn: rsp.RspConnection | None = None
        self.history: History | None = None
        self.g_tid: int | None = None
        self.c_tid: int | None = None
        self.last_stop: StopReason = StopReason("interrupt", signal=5)
        self.stop_tid: int | None = None
        self._resume = False
        self._awaiting_stop = False      # gdb resumed the machine and waits for a stop reply
        self.access = StateAccess(target)
        control.handler = self

    # --- connection --------------------------------------------------------------------
    def wait_for_debugger(self) -> None:
        """Block until gdb connects; the machine stops before its next instruction."""
        sock, _ = self.listener.accept()
        self.conn = rsp.RspConnection(sock)
        self.control.stop_next = True

    def _try_accept(self) -> bool:
        self.listener.setblocking(False)
        try:
            sock, _ = self.listener.accept()
        except BlockingIOError:
            return False
        finally:
            self.listener.setblocking(True)
        sock.setblocking(True)
        self.conn = rsp.RspConnection(sock)
        return True

    def poll_interrupt(self) -> bool:
        if self.conn is None:
            return self._try_accept()
        try:
            return self.conn.poll_interrupt()
        finally:
            self.conn.interrupt_pending = False

    def _disconnect(self) -> None:
        """gdb went away: the program runs on with no breakpoints."""
        if self.conn is not None:
            try:
                self.conn.sock.close()
            except OSError:
                pass
        self.conn = None
        self._awaiting_stop = False
        self.control.detach()
        self.control.handler = self

    # --- stops -------------------------------------------------------------------------
    def stopped(self, reason: StopReason) -> None:
        if self.conn is None or self.target.exited() is not None:
            return
        self.last_stop = reason
        tids = self.target.thread_ids()
        cur = self.target.current_tid()
        tid = cur if cur is not None else (self.stop_tid if self.stop_tid in tids else
                                           (tids[0] if tids else None))
        self.stop_tid = tid
        self.g_tid = tid
        try:
            if self._awaiting_stop:
                self.conn.send_packet(self.stop_reply())
            self.serve()
        except rsp.Disconnected:
            self._disconnect()

    def stop_reply(self) -> str:
        r = self.last_stop
        out = f"T{r.signal:02x}"
        if r.kind in ("watch", "rwatch", "awatch"):
            out += f"{r.kind}:{r.address:x};"
        elif r.kind in ("swbreak", "hwbreak"):
            out += f"{r.kind}:;"
        elif r.kind == "begin":
            out += "replaylog:begin;"
        if self.stop_tid is not None:
            out += f"thread:{self.stop_tid:x};"
        return out

    def exited(self, wait_status: int) -> None:
        """The program ended: W (exit code) or X (signal), then the connection closes."""
        if self.conn is None:
            return
        sig = wait_status & 0x7F
        try:
            self.conn.send_packet(f"X{sig:02x}" if sig else f"W{(wait_status >> 8) & 0xFF:02x}")
            # Let gdb read the reply and hang up on its own.
            self.conn.sock.settimeout(5.0)
            try:
                while self.conn.sock.recv(4096):
                    pass
            except OSError:
                pass
        except rsp.Disconnected:
            pass
        self._disconnect()

    # --- the packet loop --------------------------------------------------------------
    def serve(self) -> None:
        """Answer packets until one resumes the machine."""
        assert self.conn is not None
        self._resume = False
        while not self._resume:
            pkt = self.conn.recv_packet()
            if pkt == rsp.INTERRUPT:
                self.conn.send_packet(self.stop_reply())
                continue
            try:
                reply = self.handle(pkt)
            except PacketError:
                reply = "E01"
            except Detached:
                raise
            except rsp.Disconnected:
                raise
            except Exception as exc:  # noqa: BLE001 - a bad packet must never stop the machine
                log.debug("packet %r failed: %s", pkt[:40], exc)
                reply = "E03"
            if reply is not None:
                self.conn.send_packet(reply)
                if pkt == b"QStartNoAckMode":
                    self.conn.ack_mode = False

    def _changed(self, reply: str) -> str:
        """A register or memory write: the recorded future is another one now."""
        if reply == "OK":
            self._history_changed()
        return reply

    def handle(self, pkt: bytes) -> str | bytes | None:
        """The reply to one packet (None: the machine resumes; the stop reply comes later)."""
        if not pkt:
            return ""
        cmd = pkt[:1]
        body = pkt[1:]
        if cmd == b"?":
            return self.stop_reply()
        if cmd == b"q" or cmd == b"Q":
            return self._query(pkt)
        if cmd == b"v":
            return self._v_packet(pkt)
        if cmd == b"H":
            return self._select_thread(body)
        if cmd == b"T":
            return "OK" if hex_int(body) in self.target.thread_ids() else "E01"
        a = self.access
        if cmd == b"g":
            return a.read_all_registers(self._reg_tid())
        if cmd == b"G":
            return self._changed(a.write_all_registers(self._reg_tid(), body))
        if cmd == b"p":
            return a.read_register(self._reg_tid(), hex_int(body))
        if cmd == b"P":
            n, sep, value = body.partition(b"=")
            if not sep:
                raise PacketError("P n=value")
            return self._changed(a.write_register(self._reg_tid(), hex_int(n), value))
        if cmd == b"m":
            return a.read_memory(self._reg_tid(), *addr_len(body))
        if cmd == b"M":
            head, sep, data = body.partition(b":")
            if not sep:
                raise PacketError("M addr,len:data")
            return self._changed(a.write_memory(self._reg_tid(), *addr_len(head),
                                                bytes.fromhex(data.decode("ascii"))))
        if cmd == b"X":
            head, sep, data = body.partition(b":")
            if not sep:
                raise PacketError("X addr,len:data")
            return self._changed(a.write_memory(self._reg_tid(), *addr_len(head),
                                                rsp.unescape(data)))
        if cmd in (b"Z", b"z"):
            return self._breakpoint(cmd == b"Z", body)
        if cmd in (b"c", b"C"):
            return self._continue(None)
        if cmd in (b"s", b"S"):
            return self._continue(self._step_thread())
        if cmd == b"b" and body in (b"s", b"c"):
            return self._reverse(body == b"s")
        if cmd == b"k":
            raise Detached()
        if cmd == b"D":
            assert self.conn is not None
            self.conn.send_packet("OK")
            self._disconnect()
            self._resume = True
            return None
        return ""

    # --- queries --------------------------------------------------------------------
    def _query(self, pkt: bytes) -> str | bytes:
        name, _, args = pkt.partition(b":")
        if name == b"qSupported":
            return _SUPPORTED
        if pkt == b"QStartNoAckMode":
            return "OK"
        if pkt == b"qC":
            return f"QC{self.stop_tid:x}" if self.stop_tid is not None else ""
        if pkt == b"qfThreadInfo":
            tids = self.target.thread_ids()
            return "m" + ",".join(f"{t:x}" for t in tids) if tids else "l"
        if pkt == b"qsThreadInfo":
            return "l"
        if pkt == b"qAttached":
            return "1"
        if pkt.startswith(b"qThreadExtraInfo,"):
            return self.target.thread_name(hex_int(pkt[17:])).encode().hex()
        if pkt.startswith(b"qRcmd,"):
            return self._monitor(bytes.fromhex(pkt[6:].decode("ascii")).decode("utf-8", "replace"))
        if name == b"qXfer":
            return self.access.xfer_read(args)
        if pkt == b"qSymbol::":
            return "OK"
        return ""

    def _monitor(self, command: str) -> str:
        text = self.monitor_text(command.strip())
        assert self.conn is not None
        self.conn.send_packet("O" + text.encode().hex())
        return "OK"

    def monitor_text(self, command: str) -> str:
        if command == "position":
            c = self.control
            return f"run {c.position[0]} instruction {c.position[1]} phase {c.position[2]}\n"
        if command in ("history", "replay"):
            return self.history.describe() if self.history else "reverse execution is off\n"
        out = self.target.monitor(command)
        if out is None:
            return (f"unknown monitor command {command!r}; try: el, guardian decisions, "
                    "position, history\n")
        return out

    # --- threads --------------------------------------------------------------------
    def _parse_tid(self, text: bytes) -> int | None:
        if text in (b"-1", b"0", b""):
            return None
        if text.startswith(b"p"):         # multiprocess form pPID.TID
            text = text.partition(b".")[2] or b"-1"
            return self._parse_tid(text)
        return hex_int(text)

    def _select_thread(self, body: bytes) -> str:
        kind, tid = body[:1], self._parse_tid(body[1:])
        if tid is not None and tid not in self.target.thread_ids():
            return "E01"
        if kind == b"g":
            self.g_tid = tid if tid is not None else self.stop_tid
        elif kind == b"c":
            self.c_tid = tid
        else:
            raise PacketError("H kind")
        return "OK"

    def _step_thread(self) -> int | None:
        tid = self.c_tid if self.c_tid is not None else self.stop_tid
        return tid

    def _reg_tid(self) -> int:
        tid = self.g_tid if self.g_tid is not None else self.stop_tid
        if tid is None:
            raise PacketError("no thread")
        return tid

    def _history_changed(self) -> None:
        if self.history is not None:
            self.history.diverged(self.control.position)

    # --- breakpoints and watchpoints -------------------------------------------------
    def _breakpoint(self, insert: bool, body: bytes) -> str:
        fields = body.split(b";")[0].split(b",")
        if len(fields) != 3:
            raise PacketError("Z type,addr,kind")
        kind, addr, size = hex_int(fields[0]), hex_int(fields[1]), hex_int(fields[2])
        c = self.control
        if kind in (0, 1):
            (c.add_breakpoint if insert else c.remove_breakpoint)(addr)
            return "OK"
        if kind in (2, 3, 4):
            if not 0 < size <= 4096:
                return "E01"
            wk = {2: WATCH_WRITE, 3: WATCH_READ, 4: WATCH_ACCESS}[kind]
            (c.add_watch if insert else c.remove_watch)(wk, addr, size)
            return "OK"
        return ""

    # --- resuming --------------------------------------------------------------------
    def _continue(self, step_tid: int | None) -> None:
        self.control.step_tid = step_tid
        self._resume = True
        self._awaiting_stop = True
        return None

    def _v_packet(self, pkt: bytes) -> str | None:
        if pkt == b"vCont?":
            return "vCont;c;C;s;S"
        if pkt == b"vMustReplyEmpty":
            return ""
        if pkt.startswith(b"vKill"):
            assert self.conn is not None
            self.conn.send_packet("OK")
            raise Detached()
        if pkt.startswith(b"vCont;"):
            step: int | None = None
            for action in pkt[6:].split(b";"):
                verb, _, who = action.partition(b":")
                if verb[:1] in (b"s", b"S"):
                    tid = self._parse_tid(who) if who else None
                    step = tid if tid is not None else self.stop_tid
                    break
                if verb[:1] not in (b"c", b"C", b"t"):
                    raise PacketError("vCont action")
            return self._continue(step)
        return ""

    def _reverse(self, step: bool) -> str | None:
        if self.history is None:
            return "E01"
        tid = self.c_tid if self.c_tid is not None else self.stop_tid
        if step:
            if tid is None:
                return "E01"
            self.history.reverse_step(tid)
        else:
            self.history.reverse_continue()
        # Only reached at the start of the recorded history.
        self.last_stop = StopReason("begin", position=self.control.position)
        return self.stop_reply()

    # --- state carried to a process resumed from a checkpoint --------------------------
    def state(self) -> dict[str, object]:
        return {"ack": self.conn.ack_mode if self.conn else True, "g": self.g_tid,
                "awaiting": True,
                "c": self.c_tid, "stop_tid": self.stop_tid}

    def adopt(self, state: dict[str, object]) -> None:
        if self.conn is not None:
            self.conn._buf.clear()
            self.conn.interrupt_pending = False
            self.conn.ack_mode = bool(state["ack"])
        self._awaiting_stop = bool(state["awaiting"])
        self.g_tid = state["g"]  # type: ignore[assignment]
        self.c_tid = state["c"]  # type: ignore[assignment]
        self.stop_tid = state["stop_tid"]  # type: ignore[assignment]


__all__ = ["GdbServer", "SYSTEM_REGS"]
