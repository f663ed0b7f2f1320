"""The Textual application: panels laid out around one :class:`InspectorModel`.

Every key maps to one model call followed by a redraw, so the app holds no trace logic of its
own; whatever the screen shows, `blindfold trace query --json` can print from the same model.
Prompts (goto, search, who-wrote...) are modal one-line inputs, answered with Enter.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from cli.inspector.disasm import CodeReader
from cli.inspector.model import Filter, InspectorModel, QueryError, QueryResult, parse_int
from cli.inspector.views import (
    EventList,
    PromptScreen,
    RegistersPanel,
    render_bookmarks,
    render_decisions,
    render_detail,
    render_disasm,
    render_memory,
    render_timeline,
)
from emulator.errors import BlindfoldError

if TYPE_CHECKING:
    from emulator.tracing.store import TraceFile

__all__ = ["InspectorApp"]

MEMORY_BYTES = 128


class InspectorApp(App[None]):
    """Interactive trace inspector; ``trace`` stays owned by the caller, who closes it."""

    TITLE = "Blindfold trace inspector"
    CSS = """
    #timeline { height: 1; padding: 0 1; }
    #main { height: 1fr; }
    #events { width: 1fr; border: round $primary; border-title-align: left; }
    #side { width: 40%; min-width: 32; max-width: 62; }
    #registers { height: auto; max-height: 22; border: round $primary; }
    #disasm { height: 1fr; border: round $primary; }
    #tabs { height: 35%; min-height: 8; max-height: 14; }
    #tabs Static { padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "step(1)", "next"),
        Binding("p", "step(-1)", "prev"),
        Binding("down", "step(1)", "next", show=False),
        Binding("up", "step(-1)", "prev", show=False),
        Binding("pagedown", "step(20)", "+20", show=False),
        Binding("pageup", "step(-20)", "-20", show=False),
        Binding("N", "step_kind(1)", "next kind"),
        Binding("P", "step_kind(-1)", "prev kind"),
        Binding("k", "prompt_kind", "next of kind", show=False),
        Binding("home", "first", "first", show=False),
        Binding("end", "last", "last", show=False),
        Binding("g", "prompt_goto", "goto"),
        Binding("t", "prompt_time", "time"),
        Binding("u", "jump_back", "back"),
        Binding("slash", "prompt_search", "search"),
        Binding("f", "prompt_filter", "filter"),
        Binding("c", "clear_filter", "unfilter"),
        Binding("w", "prompt_who", "who wrote"),
        Binding("v", "prompt_value", "value"),
        Binding("m", "prompt_memory", "memory at", show=False),
        Binding("d", "prompt_diff", "mem diff", show=False),
        Binding("right_square_bracket", "decision(1)", "next decision", show=False),
        Binding("left_square_bracket", "decision(-1)", "prev decision", show=False),
        Binding("b", "prompt_bookmark", "mark"),
        Binding("B", "tab('bookmarks')", "marks"),
        Binding("D", "tab('decisions')", "decisions", show=False),
        Binding("M", "tab('memory')", "memory", show=False),
        Binding("E", "tab('detail')", "event", show=False),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, trace: TraceFile, *, path: Path | None = None) -> None:
        super().__init__()
        self.trace = trace
        self.model = InspectorModel(trace)
        self.code = CodeReader(trace, trace.header)
        self.path = path
        self.mem_addr: int | None = None       # None: follow the event's address, else sp
        self.mem_against: int | None = None    # seq to diff memory against
        self.result: QueryResult | None = None
        self.message = ""

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="timeline")
        with Horizontal(id="main"):
            yield EventList(self.model, id="events")
            with Vertical(id="side"):
                yield RegistersPanel(self.model, id="registers")
                yield Static(id="disasm")
        with TabbedContent(id="tabs", initial="detail"):
            with TabPane("Event", id="detail"):
                yield Static(id="detail-text")
            with TabPane("Memory", id="memory"):
                yield Static(id="memory-text")
            with TabPane("Decisions", id="decisions"):
                yield Static(id="decisions-text")
            with TabPane("Bookmarks", id="bookmarks"):
                yield Static(id="bookmarks-text")
        yield Footer()

    def on_mount(self) -> None:
        if self.path is not None:
            self.sub_title = str(self.path)
        self.query_one("#events").border_title = "events"
        self.query_one("#registers").border_title = "registers"
        self.query_one("#disasm").border_title = "disassembly"
        self.refresh_views()

    def refresh_views(self) -> None:
        """Redraw every panel from the model; cheap enough to call after each key."""
        m = self.model
        cur = m.current
        width = max(20, self.size.width - 90)
        self.query_one("#timeline", Static).update(render_timeline(m, width))
        events = self.query_one("#events", EventList)
        events.border_subtitle = f"filter: {m.filter.describe()}"
        events.refresh()
        self.query_one("#registers", RegistersPanel).refresh(layout=True)
        if cur is None:
            self.query_one("#disasm", Static).update("")
        else:
            pc = cur.pc or (m.registers().values or {}).get("pc", 0)
            self.query_one("#disasm", Static).update(render_disasm(self.code.around(pc, cur.seq)))
            addr = self.mem_addr if self.mem_addr is not None else m.default_memory_address()
            mem = m.memory(addr, MEMORY_BYTES, self.mem_against)
            self.query_one("#memory-text", Static).update(render_memory(mem))
        self.query_one("#detail-text", Static).update(render_detail(cur, self.result,
                                                                    self.message))
        self.query_one("#decisions-text", Static).update(render_decisions(m.decisions(),
                                                                          m.cursor))
        self.query_one("#bookmarks-text", Static).update(render_bookmarks(m.bookmarks(),
                                                                          m.cursor))

    def _run(self, fn: Callable[[], Any], *, at_end: str = "") -> None:
        """Call into the model; a refused request becomes a message instead of a crash."""
        self.message = ""
        try:
            moved = fn()
            if moved is None and at_end:
                self.message = at_end
        except BlindfoldError as exc:
            self.message = str(exc)
            self.query_one(TabbedContent).active = "detail"
        self.refresh_views()

    def _ask(self, question: str, then: Callable[[str], Any], value: str = "",
             placeholder: str = "") -> None:
        def answered(text: str | None) -> None:
            if text is not None:
                self._run(lambda: then(text) or True)
        self.push_screen(PromptScreen(question, value, placeholder), answered)

    # -- navigation -----------------------------------------------------------------------
    def action_step(self, n: int) -> None:
        self._run(lambda: self.model.step(n), at_end="no more events in that direction")

    def action_step_kind(self, direction: int) -> None:
        self._run(lambda: self.model.step_kind(direction), at_end="no more events of this kind")

    def action_first(self) -> None:
        self._run(self.model.first)

    def action_last(self) -> None:
        self._run(self.model.last)

    def action_jump_back(self) -> None:
        self._run(self.model.back, at_end="no earlier position to go back to")

    def action_decision(self, direction: int) -> None:
        self._run(lambda: self.model.step_kind(direction, "guardian_decision"),
                  at_end="no more Guardian decisions in that direction")

    def action_prompt_goto(self) -> None:
        self._ask("goto: seq, 40%, #bookmark, start or end", self.model.goto)

    def action_prompt_time(self) -> None:
        lo, hi = self.trace.time_range()
        self._ask(f"goto virtual time (cycles {lo}-{hi})",
                  lambda s: self.model.goto_time(parse_int(s)))

    def action_prompt_kind(self) -> None:
        def go(kind: str) -> Any:
            if self.model.step_kind(1, kind.strip()) is None:
                raise QueryError(f"no {kind.strip()} event after this one", "try P or goto start")
            return True
        self._ask("next event of kind", go, placeholder="syscall")

    # -- filters --------------------------------------------------------------------------
    def action_prompt_search(self) -> None:
        self._ask("search event text (empty clears)", self.model.search,
                  value=self.model.filter.search or "")

    def action_prompt_filter(self) -> None:
        self._ask("filter: kind, kind=K pid=N tid=N (empty clears)",
                  lambda s: self.model.set_filter(Filter.parse(s, self.model.filter)),
                  placeholder="syscall pid=1")

    def action_clear_filter(self) -> None:
        self._run(lambda: self.model.set_filter(Filter()) or True)

    # -- questions and state --------------------------------------------------------------
    def _answer(self, result: QueryResult) -> QueryResult:
        self.result = result
        self.query_one(TabbedContent).active = "detail"
        return result

    def action_prompt_who(self) -> None:
        self._ask("who last wrote: register (x3, sp) or address (0x4000, x1+8)",
                  lambda s: self._answer(self.model.who_wrote(s)))

    def action_prompt_value(self) -> None:
        self._ask("when did this value first appear",
                  lambda s: self._answer(self.model.first_appearance(s)))

    def action_prompt_memory(self) -> None:
        def show(text: str) -> bool:
            self.mem_addr = self.model.resolve_address(text) if text.strip() else None
            self.query_one(TabbedContent).active = "memory"
            return True
        self._ask("memory at: address, register or reg+off (empty follows the event)", show)

    def action_prompt_diff(self) -> None:
        def diff(text: str) -> bool:
            t = text.strip()
            if not t:
                self.mem_against = None
            elif t.startswith("#"):
                marks = self.model.bookmarks()
                idx = parse_int(t[1:])
                if not 1 <= idx <= len(marks):
                    raise QueryError(f"no bookmark #{idx}", f"there are {len(marks)} bookmarks")
                self.mem_against = marks[idx - 1][0]
            else:
                self.mem_against = parse_int(t)
            self.query_one(TabbedContent).active = "memory"
            return True
        marks = self.model.bookmarks()
        self._ask("diff memory against: seq or #bookmark (empty stops)", diff,
                  value=f"#{len(marks)}" if marks else "")

    def action_prompt_bookmark(self) -> None:
        def add(note: str) -> bool:
            seq = self.model.add_bookmark(note)
            self.message = f"bookmarked seq {seq}"
            return True
        self._ask("bookmark note", add)

    def action_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = name
