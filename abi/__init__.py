"""The contract between the kernel and the Guardian: call numbers, argument
layouts, return codes and each call's preconditions and effects.

Both sides import this package; neither imports the other.
"""

from abi.contract import SPECS, Call, CallSpec, FrameKind, Status

__all__ = ["SPECS", "Call", "CallSpec", "FrameKind", "Status"]
