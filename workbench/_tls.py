"""One TLS client context per process, trusting what httpx trusts by default (certifi when present).

>>> from workbench._tls import tls_context
>>> tls_context() is tls_context()
True
"""

from __future__ import annotations

import functools


@functools.cache
def tls_context():
    """The shared ``ssl.SSLContext``: loading CA certificates costs ~80 ms, so it happens once."""
    import ssl

    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:
        return ssl.create_default_context()
