"""Window keys of timestamps as integers: grouping tz-aware Timestamps as objects is slow.

>>> import pandas as pd
>>> ts = pd.Series(pd.to_datetime(["2026-01-01 05:00", "2026-01-02 01:00", None], utc=True))
>>> window_keys(ts, "1D").tolist()[:2], int(window_keys(ts, "1D")[2]) == NAT
([1767225600000000, 1767312000000000], True)
>>> str(key_times([1767225600000000])[0])
'2026-01-01 00:00:00+00:00'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NAT = np.iinfo(np.int64).min  # what NaT is as an int64


def window_keys(timestamps: pd.Series, freq: str) -> np.ndarray:
    """Each row's window start (``freq``, UTC) as int64 microseconds; missing times are ``NAT``."""
    ts = pd.to_datetime(timestamps, utc=True)
    return ts.dt.floor(freq).dt.tz_localize(None).to_numpy(dtype="datetime64[us]").view(np.int64)


def key_times(keys) -> pd.DatetimeIndex:
    """Window keys back to UTC timestamps."""
    return pd.DatetimeIndex(np.asarray(keys, dtype=np.int64).astype("datetime64[us]")).tz_localize(
        "UTC"
    )
