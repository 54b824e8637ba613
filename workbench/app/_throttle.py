"""Login throttle: after a few failed logins from one address, exponential back-off.

>>> now = [0.0]
>>> t = LoginThrottle(free=2, base=1.0, clock=lambda: now[0])
>>> t.failed("10.0.0.1"); t.failed("10.0.0.1"); t.retry_after("10.0.0.1")
0.0
>>> t.failed("10.0.0.1"); t.retry_after("10.0.0.1")
1.0
>>> t.failed("10.0.0.1"); t.retry_after("10.0.0.1"), t.retry_after("10.0.0.2")
(2.0, 0.0)
>>> now[0] = 5.0; t.succeeded("10.0.0.1"); t.retry_after("10.0.0.1")
0.0
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class LoginThrottle:
    """Failed logins per client address; each failure past ``free`` doubles the lock-out.

    Parameters
    ----------
    free : int
        Failures allowed before the first lock-out.
    base, cap : float
        First lock-out and longest lock-out, in seconds.
    max_clients : int
        Addresses remembered (oldest forgotten first), so a flood of addresses cannot grow it.
    """

    def __init__(
        self,
        free: int = 5,
        base: float = 2.0,
        cap: float = 900.0,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.free, self.base, self.cap, self.max_clients = free, base, cap, max_clients
        self.clock = clock
        self._clients: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> float:
        """Seconds until ``client`` may try again (0: now)."""
        with self._lock:
            _, until = self._clients.get(client, (0, 0.0))
        return max(0.0, until - self.clock())

    def failed(self, client: str) -> None:
        """Count a failed login of ``client``; past ``free`` failures, lock it out."""
        with self._lock:
            n = self._clients.pop(client, (0, 0.0))[0] + 1
            wait = 0.0 if n <= self.free else min(self.cap, self.base * 2 ** (n - self.free - 1))
            self._clients[client] = (n, self.clock() + wait)
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)

    def succeeded(self, client: str) -> None:
        """Forget the failures of ``client``."""
        with self._lock:
            self._clients.pop(client, None)
