"""The retry policy every HTTP client of the workbench follows (experiments, embeddings, labels).

Retry on :data:`RETRY_STATUS`, timeouts and connection errors; wait with exponential back-off and
full jitter capped at ``max_backoff``; a valid ``Retry-After`` header wins.

>>> import random
>>> retry_delay(0, "2", backoff=0.5, max_backoff=4.0, rng=random.Random(0))
2.0
>>> 0.0 <= retry_delay(3, "soon", backoff=0.5, max_backoff=4.0, rng=random.Random(0)) <= 4.0
True
"""

from __future__ import annotations

import email.utils
import random
import re
import time

#: statuses worth another try (timeouts, conflicts, rate limits, server errors)
RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


def retry_delay(
    attempt: int,
    retry_after: str | None,
    backoff: float,
    max_backoff: float,
    rng: random.Random,
) -> float:
    """Seconds to wait before retry ``attempt + 1``: ``Retry-After`` when valid, else jitter."""
    wait = retry_after_seconds(retry_after)
    if wait is not None:
        return min(wait, max_backoff)
    return rng.uniform(0, min(max_backoff, backoff * (2**attempt)))  # full jitter (AWS, 2015)


#: delay-seconds, also with a fraction (some servers send one); never a sign, nan or inf
_DELAY_SECONDS = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,6})?")


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (RFC 9110: delay-seconds or an HTTP date).

    Anything else (``soon``, ``nan``, ``-5``, a malformed date) is ``None``: the caller falls back
    to its own back-off instead of failing or sleeping forever.

    >>> retry_after_seconds("2"), retry_after_seconds("soon"), retry_after_seconds("nan")
    (2.0, None, None)
    >>> retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT")  # in the past: retry now
    0.0
    """
    if not value:
        return None
    value = value.strip()
    if _DELAY_SECONDS.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(when.timestamp() - time.time(), 0.0)
