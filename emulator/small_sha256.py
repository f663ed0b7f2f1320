"""SHA-256 of short inputs without loading OpenSSL.

hashlib's first import loads libcrypto, some 2-3 ms of every start-up.  The
model hashes a few bytes at start-up (the seed-derived AT_RANDOM bytes, the
boot id); CPython's own SHA-256, the one hashlib falls back to without
OpenSSL, gives the same digests with nothing to load.  For large inputs
(program images) OpenSSL is much faster: those use hashlib.
"""

from __future__ import annotations

try:
    from _sha2 import sha256  # CPython 3.12 and later
except ImportError:
    try:
        from _sha256 import sha256  # type: ignore[no-redef]  # CPython up to 3.11
    except ImportError:
        from hashlib import sha256  # type: ignore[no-redef]  # another Python

__all__ = ["sha256"]
