"""The inspector's panels: pure render functions plus thin Textual widgets around them.

Rendering is kept in plain functions returning `rich.text.Text` so the look of each panel can be
checked without starting an app, and so the widgets stay trivial (update on a model change).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label

from cli.inspector.disasm import DisasmView
from cli.inspector.model import MemoryView, QueryResult, RegisterView, summarize
from emulator.trace import TraceEvent

if TYPE_CHECKING:
    from cli.inspector.model import InspectorModel

__all__ = [
    "EventList",
    "PromptScreen",
    "RegistersPanel",
    "render_bookmarks",
    "render_decisions",
    "render_detail",
    "render_disasm",
    "render_events",
    "render_memory",
    "render_registers",
    "render_timeline",
]

CHANGED = "bold black on yellow"
CURSOR = "reverse"
DIM = "dim"
_KIND_STYLE = {"syscall": "cyan", "syscall_return": "cyan", "exception": "magenta",
               "page_fault": "red", "guardian_decision": "bold green", "signal": "yellow",
               "mmio": "blue", "process": "bold"}


def render_timeline(model: InspectorModel, width: int = 60) -> Text:
    """`seq 12/345 t=... [====|=====]` with bookmarks (▼) and denials (!) on the bar."""
    out = Text()
    cur = model.current
    bounds = model.bounds()
    if cur is None or bounds is None:
        return Text("empty trace: no events recorded", style=DIM)
    lo, hi = bounds
    out.append(f"seq {cur.seq}", style="bold")
    out.append(f" of {lo}-{hi}  t={cur.time}  pid {cur.pid} tid {cur.tid}  ")
    bar = [" "] * max(10, width)
    span = max(1, hi - lo)

    def mark(seq: int, ch: str) -> None:
        bar[min(len(bar) - 1, max(0, (seq - lo) * (len(bar) - 1) // span))] = ch

    for ev in model.decisions():
        if not ev.data.get("allowed", True):
            mark(ev.seq, "!")
    for seq, _ in model.bookmarks():
        mark(seq, "▼")
    pos = round(model.fraction() * (len(bar) - 1))
    out.append("[")
    for i, ch in enumerate(bar):
        if i == pos:
            out.append("█", style="bold cyan")
        else:
            out.append(ch if ch != " " else ("━" if i < pos else "─"),
                       style="red" if ch == "!" else ("yellow" if ch == "▼" else DIM))
    out.append("]")
    out.append(f"  filter: {model.filter.describe()}", style="italic")
    return out


def render_events(events: Sequence[TraceEvent], cursor: int | None, width: int = 100) -> Text:
    """One line per event: seq, time, pid/tid, kind, pc, summary; the cursor line reversed."""
    out = Text(no_wrap=True, overflow="ellipsis")
    if not events:
        out.append("no events match the filter (press c to clear it)", style=DIM)
        return out
    for i, ev in enumerate(events):
        line = Text(no_wrap=True)
        line.append(f"{ev.seq:>8} {ev.time:>12} {ev.pid:>4}/{ev.tid:<4} ")
        line.append(f"{ev.kind:<17}", style=_KIND_STYLE.get(ev.kind, ""))
        line.append(f" {ev.pc:#014x}  " if ev.pc else " " * 17)
        line.append(summarize(ev))
        line.truncate(max(20, width), overflow="ellipsis", pad=ev.seq == cursor)
        if ev.seq == cursor:
            line.stylize(CURSOR)
        out.append_text(line)
        if i < len(events) - 1:
            out.append("\n")
    return out


def _nzcv(value: int) -> str:
    return "".join(f if value >> bit & 1 else "-" for f, bit in zip("NZCV", (31, 30, 29, 28),
                                                                    strict=True))


def _register_columns(names: Sequence[str], width: int) -> list[list[str]]:
    """Split names into the most columns (up to 3) whose cells fit in ``width``."""
    for ncol in (3, 2):
        rows = (len(names) + ncol - 1) // ncol
        cols = [list(names[i:i + rows]) for i in range(0, len(names), rows)]
        if sum(max(map(len, col)) + 19 for col in cols) <= width:
            return cols
    return [list(names)]


def render_registers(view: RegisterView, width: int = 60) -> Text:
    """The register file in columns fitting ``width``; registers this event changed stand out."""
    if view.values is None:
        return Text(f"no register state recorded at or before seq {view.seq}", style=DIM)
    out = Text(no_wrap=True)
    cols = _register_columns(list(view.values), width)
    pads = [max(map(len, col)) for col in cols]
    for r in range(len(cols[0])):
        for col, pad in zip(cols, pads, strict=True):
            if r >= len(col):
                continue
            name, value = col[r], view.values[col[r]]
            shown = f"{_nzcv(value):<16}" if name == "nzcv" else f"{value:016x}"
            out.append(f"{name:>{pad}} {shown}", style=CHANGED if name in view.changed else "")
            out.append("  ")
        if r < len(cols[0]) - 1:
            out.append("\n")
    if view.changed:
        out.append("\nchanged: " + " ".join(sorted(view.changed)), style="yellow")
    return out


def render_disasm(view: DisasmView) -> Text:
    """Instructions around the pc, the current one marked with an arrow."""
    if not view.lines:
        return Text(f"{view.note} (pc {view.pc:#x})" if view.pc else view.note, style=DIM)
    out = Text(no_wrap=True)
    out.append(f"code from {view.source}\n", style=DIM)
    last_sym: str | None = None
    for ln in view.lines:
        sym = ln.symbol.split("+", 1)[0] if ln.symbol else None
        if sym and sym != last_sym:
            out.append(f"<{sym}>:\n", style="bold")
        last_sym = sym
        style = CURSOR if ln.current else ""
        out.append(f"{'=>' if ln.current else '  '} {ln.addr:#x}  {ln.raw.hex()}  {ln.text}",
                   style=style)
        out.append("\n")
    out.rstrip()
    return out


def render_memory(view: MemoryView) -> Text:
    """A hex dump at the cursor; bytes that differ from the other point are highlighted."""
    head = f"memory {view.addr:#x}..{view.addr + view.size:#x} at seq {view.seq}"
    if view.other_seq is not None:
        head += f", diff against seq {view.other_seq}"
    out = Text(head + "\n", style="bold")
    if view.data is None:
        out.append("no stores to this range recorded up to here (record with --trace-level mem;"
                   " m picks another address)", style=DIM)
        return out
    if view.other_seq is not None and view.other_data is None:
        out.append(f"(no memory recorded at seq {view.other_seq}; nothing to diff)\n", style=DIM)
    changed = view.changed_offsets()
    for row in range(0, len(view.data), 16):
        chunk = view.data[row:row + 16]
        out.append(f"{view.addr + row:016x}  ", style=DIM)
        for i, b in enumerate(chunk):
            out.append("??" if b is None else f"{b:02x}",
                       style=CHANGED if row + i in changed else ("" if b is not None else DIM))
            out.append(" ")
        out.append("   " * (16 - len(chunk)) + " ")
        out.append("".join(" " if b is None else chr(b) if 32 <= b < 127 else "." for b in chunk))
        out.append("\n")
    if changed:
        out.append(f"{len(changed)} bytes differ", style="yellow")
    out.rstrip()
    return out


def render_decisions(decisions: Sequence[TraceEvent], cursor: int | None) -> Text:
    """Every Guardian decision with its verdict, rule and reason; empty traces say so."""
    if not decisions:
        return Text("no Guardian decisions in this trace", style=DIM)
    out = Text(no_wrap=True)
    for ev in decisions:
        allowed = bool(ev.data.get("allowed"))
        line = Text(f"{ev.seq:>8}  pc {ev.pc:#x}  ")
        line.append("allow" if allowed else "DENY ", style="green" if allowed else "bold red")
        line.append(f"  {ev.data.get('rule', '?')}: {ev.data.get('reason', '')}")
        if ev.seq == cursor:
            line.stylize(CURSOR)
        out.append_text(line)
        out.append("\n")
    out.rstrip()
    return out


def render_bookmarks(marks: Sequence[tuple[int, str]], cursor: int | None) -> Text:
    if not marks:
        return Text("no bookmarks yet (press b to add one here)", style=DIM)
    out = Text(no_wrap=True)
    for i, (seq, note) in enumerate(marks, 1):
        out.append(f"#{i:<3} seq {seq:<10} {note}", style=CURSOR if seq == cursor else "")
        out.append("\n")
    out.append("goto #N jumps to bookmark N; d #N diffs memory against it", style=DIM)
    return out


def render_detail(ev: TraceEvent | None, result: QueryResult | None, message: str = "") -> Text:
    """The current event's fields, then the last query's answer and any status message."""
    out = Text(no_wrap=False)
    if message:
        out.append(message + "\n", style="bold yellow")
    if result is not None:
        out.append(result.question + "\n", style="bold")
        out.append("  " + result.answer + "\n")
    if ev is None:
        out.append("no event", style=DIM)
        return out
    out.append(f"seq {ev.seq}  {ev.kind}  time {ev.time}  cpu {ev.cpu}  pid {ev.pid}  "
               f"tid {ev.tid}  pc {ev.pc:#x}  addr {ev.addr:#x}\n", style="bold")
    for key, value in ev.data.items():
        if key == "regs":
            continue
        shown = hex(value) if isinstance(value, int) and not isinstance(value, bool) else value
        out.append(f"  {key}: {shown}\n")
    out.rstrip()
    return out


class EventList(Widget):
    """The filtered event list, centred on the cursor; it asks the model for just one screenful."""

    DEFAULT_CSS = "EventList { height: 1fr; }"

    def __init__(self, model: InspectorModel, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.model = model

    def render(self) -> Text:
        rows = max(1, self.size.height)
        # Fetch a screenful each side, then keep the cursor a third of the way down, sliding
        # the view when one side runs short so that the panel stays full near either end.
        events = self.model.window(rows, rows)
        at = next((i for i, e in enumerate(events) if e.seq == self.model.cursor), 0)
        start = max(0, min(at - rows // 3, len(events) - rows))
        return render_events(events[start:start + rows], self.model.cursor,
                             max(20, self.size.width))


class RegistersPanel(Widget):
    """Registers at the cursor, in as many columns as the panel's width allows."""

    DEFAULT_CSS = "RegistersPanel { height: auto; }"

    def __init__(self, model: InspectorModel, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.model = model

    def render(self) -> Text:
        if self.model.cursor is None:
            return Text("no events", style=DIM)
        return render_registers(self.model.registers(), self.size.width or 60)


class PromptScreen(ModalScreen[str | None]):
    """A one-line question (goto, search, who-wrote...) answered with Enter or dropped with Esc."""

    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical { width: 70; height: auto; border: round $accent;
                              background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, question: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
