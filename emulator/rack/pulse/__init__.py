"""PULSE: pointer traversals offloaded to SmartNICs beside the memory blades.

`isa` (the compact PULSE instruction set and its interpreter), `compiler` (find an iterator's
`next` in an AArch64 ELF, verify it is offloadable, translate it), `costs` (the SmartNIC's cost
table with sources), `smartnic` (the device in front of a memory blade), `rack` (wiring it into
a rack: continuations routed by the switch).
"""
