"""Token tables: the Python (guard) and Arrow (batch) engines give identical results."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.validation import _tokens as T
from workbench.validation import validate
from workbench.validation._batch import SMALL, TextColumn

PIECES = st.sampled_from(
    list("ab Z09$#.,-_/!?\n\t\v:;'\"()éÉ€") + ["  ", "Step ", "RP-20", "x\x1c", "İ"]
)
TEXTS = st.lists(
    st.one_of(st.none(), st.lists(PIECES, max_size=14).map("".join)), min_size=1, max_size=8
)


def both(values: list):
    """The same values as a small column and, repeated past SMALL, as a large one."""
    reps = SMALL // len(values) + 1
    return (
        TextColumn(values, len(values), "s"),
        TextColumn(values * reps, len(values) * reps, "l"),
        reps,
    )


@settings(max_examples=60, deadline=None)
@given(TEXTS, st.sampled_from([T.WS, r"[^0-9]+", r"[.!?]+(?:[ \t\n\r\f]+|$)"]), st.booleans())
def test_explode_engines_agree(values, sep, lower):
    small, large, reps = both(values)
    a = T.explode(small, sep, lower=lower, trim=".,-")
    b = T.explode(large, sep, lower=lower, trim=".,-")
    assert not a.arrow and b.arrow
    n = len(values)
    keep = b.row < n  # the first copy of the values
    assert list(b.values.to_pylist()[: int(keep.sum())]) == list(a.values)
    assert b.row[keep].tolist() == a.row.tolist()


@settings(max_examples=60, deadline=None)
@given(TEXTS, TEXTS)
def test_member_and_distinct_engines_agree(xs, ys):
    m = min(len(xs), len(ys))
    xs, ys = xs[:m], ys[:m]
    sx, lx, reps = both(xs)
    sy, ly, _ = both(ys)
    small = T.member(T.explode(sx, T.WS), T.explode(sy, T.WS))
    large = T.member(T.explode(lx, T.WS), T.explode(ly, T.WS))
    assert large[: len(small)].tolist() == small.tolist()
    ds, dl = T.distinct(T.explode(sx, T.WS)), T.distinct(T.explode(lx, T.WS))
    assert dl.values.to_pylist()[: len(ds)] == list(ds.values)


def test_chunked_validate_equals_one_pass(demo_small, repo_root):
    frame = demo_small.head(700)
    policy = repo_root / "data" / "policy.yaml"
    one = validate(frame, policy, skip_types=("judge",)).to_frame()
    chunked = validate(frame, policy, skip_types=("judge",), chunk_size=256).to_frame()
    pd.testing.assert_frame_equal(one, chunked)
    assert np.isfinite(one["score__groundedness"].dropna().to_numpy(dtype=float)).all()


@settings(max_examples=60, deadline=None)
@given(TEXTS)
def test_word_hits_engines_agree(values):
    from workbench.validation._batch import word_hits

    vocab = frozenset({"ab", "z09", "step", "i̇", "i", "é"})
    small, large, reps = both(values)
    ws, (hs,) = word_hits(small, [vocab])
    wl, (hl,) = word_hits(large, [vocab])
    assert wl[: len(values)].tolist() == ws.tolist()
    assert hl[: len(values)].tolist() == hs.tolist()
