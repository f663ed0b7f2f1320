"""The contract between the kernel and the Guardian: call numbers, argument
layouts, return codes and each call's preconditions and effects.

Both sides import this package; neither imports the other.
"""
