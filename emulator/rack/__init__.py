"""The rack: compute blades, memory blades and a programmable switch (MIND's in-network memory
management) as a deterministic discrete-event model on modelled time."""

from emulator.rack.agent import BladeAgent, DictStore, PageStore
from emulator.rack.control import ControlPlane, SplitConfig
from emulator.rack.costs import SOURCES, RackCosts
from emulator.rack.packets import Kind, Packet, PacketClass, Perm, make_fva
from emulator.rack.rack import Rack, RackSpec
from emulator.rack.tables import TableFull
from emulator.rack.transitions import State, TransitionTable, load_transitions

__all__ = ["SOURCES", "BladeAgent", "ControlPlane", "DictStore", "Kind", "Packet", "PacketClass",
           "PageStore", "Perm", "Rack", "RackCosts", "RackSpec", "SplitConfig", "State",
           "TableFull", "TransitionTable", "load_transitions", "make_fva"]
