"""Real public data through the mapping YAMLs in data/mappings (skips when the data is absent)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import workbench.schema as S
from workbench.io import load

MAPPINGS = Path(__file__).resolve().parents[2] / "data" / "mappings"


def test_alpaca_eval_annotations(real_data_dir):
    files = sorted((real_data_dir / "alpaca_eval" / "annotations").glob("*.annotations.json.gz"))
    raw = {f: json.loads(gzip.decompress(f.read_bytes())) for f in files}
    result = load(
        str(real_data_dir / "alpaca_eval" / "annotations" / "*.json.gz"),
        mapping=MAPPINGS / "alpaca_eval.yaml",
    )
    frame = result.frame
    assert len(result.quarantine) == 0
    assert len(frame) == sum(len(v) for v in raw.values())
    for records in raw.values():
        arm = records[0]["generator_2"]
        sub = frame[frame[S.VARIANT] == arm]
        assert sub[S.OUTPUT].tolist() == [r["output_2"] for r in records]
        assert sub[S.FEEDBACK_SCORE].tolist() == [float(r["preference"]) for r in records]
    S.validate_logframe(frame)


def test_jailbreakbench(real_data_dir):
    files = sorted((real_data_dir / "jailbreakbench").glob("*/*/*.json"))
    docs = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    result = load(
        str(real_data_dir / "jailbreakbench" / "*" / "*" / "*.json"),
        mapping=MAPPINGS / "jailbreakbench.yaml",
    )
    frame = result.frame
    assert len(frame) == sum(len(d["jailbreaks"]) for d in docs)
    assert frame[S.RECORD_ID].is_unique
    assert int(frame["truth__jailbroken"].sum()) == sum(
        r["jailbroken"] for d in docs for r in d["jailbreaks"]
    )
    assert set(frame[S.MODEL]) == {d["parameters"]["model"] for d in docs}
    assert frame[S.OUTPUT].isna().sum() == sum(
        r["response"] is None for d in docs for r in d["jailbreaks"]
    )
