"""The Guardian: the trusted monitor (EL2/EL3) of Blindfold.

It will own page-table and vector-table switching, the per-frame ownership table,
capabilities for the kernel's access to user memory, and the secure ABI for
memory management.  The kernel model already reaches memory only through its
`El1` face and writes page tables only through a `PageTableWriter`, which are
the seams where the Guardian takes over.
"""
