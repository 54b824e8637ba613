"""Promotion: refusal, forced promotion, versions and pointer, diff, kills and races."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.errors import PromotionRefused
from workbench.experiments import (
    DeploymentConfig,
    ExperimentSpec,
    analyze,
    config_diff,
    config_history,
    load_config,
    promote,
)
from workbench.experiments._promote import current_version, versions, write_version

SPEC = {
    "name": "concise",
    "app": "shop",
    "config_name": "assistant",
    "hypothesis": "a shorter prompt fails the policy less often",
    "baseline": {"name": "control", "system_prompt": "You help customers."},
    "variants": [
        {
            "name": "concise",
            "system_prompt": "You help customers. Be brief.",
            "model": {"temperature": 0.2},
        }
    ],
    "primary": {"kind": "policy"},
    "pair_on": None,
}


def _result(p0=0.70, p1=0.80, n=3000, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(2 * n)],
            "timestamp": pd.date_range("2026-01-01", periods=2 * n, freq="min", tz="UTC"),
            "variant": ["control"] * n + ["concise"] * n,
            "rule__policy": np.r_[rng.random(n) < p0, rng.random(n) < p1],
        }
    )
    return analyze(frame, ExperimentSpec.model_validate(SPEC))


def test_promote_writes_version_pointer_and_provenance(tmp_path):
    res = _result()
    assert res.decision == "ship"
    p1 = promote(res, tmp_path)
    p2 = promote(res, tmp_path)
    assert (p1.version, p2.version) == (1, 2)
    assert p2.path == tmp_path / "shop" / "assistant.v2.yaml"
    assert (tmp_path / "shop" / "assistant.current").read_text().strip() == "assistant.v2.yaml"
    cfg = load_config(tmp_path, "shop", "assistant")
    assert cfg.version == 2 and cfg.config.system_prompt.endswith("Be brief.")
    prov = cfg.provenance
    assert prov["experiment"] == "concise" and prov["arm"] == "concise"
    assert prov["sample_sizes"] == {"control": 3000, "concise": 3000}
    assert prov["comparison"]["p_value"] < 0.05 and prov["comparison"]["diff_ci"][0] > 0
    assert prov["values"]["control"]["ci"][0] < prov["values"]["control"]["value"]
    assert len(prov["dataset_hash"]) == 64 and prov["data_range"][0].startswith("2026-01-01")
    assert prov["forced"] is False and prov["previous_version"] == 1
    assert config_history(tmp_path, "shop", "assistant")["current"].tolist() == [False, True]


def test_unsupported_promotion_is_refused_unless_forced_and_recorded(tmp_path):
    res = _result(p0=0.7, p1=0.7, n=200)
    assert res.decision != "ship"
    with pytest.raises(PromotionRefused, match="force=True"):
        promote(res, tmp_path)
    assert versions(tmp_path, "shop", "assistant") == []
    p = promote(res, tmp_path, force=True, reason="product decision", arm="concise")
    assert p.forced and p.config.provenance["forced"] is True
    assert p.config.provenance["force_reason"] == "product decision"


def test_versions_are_never_overwritten(tmp_path):
    from workbench.experiments._promote import write_version

    cfg = DeploymentConfig(app="shop", name="assistant", version=1)
    write_version(cfg, tmp_path)
    with pytest.raises(FileExistsError):
        write_version(cfg.model_copy(update={"created_at": "later"}), tmp_path)
    assert load_config(tmp_path, "shop", "assistant", 1).created_at == cfg.created_at


def test_diff_shows_what_changed(tmp_path):
    from workbench.experiments._promote import write_version

    write_version(
        DeploymentConfig(
            app="shop", name="assistant", version=1, config={"system_prompt": "You help customers."}
        ),
        tmp_path,
    )
    promote(_result(), tmp_path)
    text = config_diff(tmp_path, "shop", "assistant", config_only=True)
    assert "-system_prompt: You help customers.\n" in text
    assert "+system_prompt: You help customers. Be brief.\n" in text
    assert "+  temperature: 0.2" in text
    assert config_diff(tmp_path, "shop", "assistant", 1, 2).count("+++ shop/assistant.v2.yaml") == 1


WORKER = """
import json, sys
from workbench.experiments._promote import DeploymentConfig, promote, write_version
tag, count = sys.argv[2], int(sys.argv[3])
if sys.argv[4] == "promote":  # the full promote() path, analysis included
    sys.path.insert(0, sys.argv[5])
    from test_experiments_promote import _result
    res = _result()
else:  # the write path promote() ends in, without paying for scipy imports per restart
    template = DeploymentConfig.model_validate_json(open(sys.argv[5]).read())
print("READY", flush=True)
i = 0
while count < 0 or i < count:
    note = f"{tag}-{i}"
    if sys.argv[4] == "promote":
        version = promote(res, sys.argv[1], note=note).version
    else:
        cfg = template.model_copy(update={"provenance": {**template.provenance, "note": note}})
        version = write_version(cfg, sys.argv[1], next_version=True).version
    print(version, note, flush=True)
    i += 1
"""


def _worker(config_dir, tag, count, mode="promote", arg=None):
    here = str(Path(__file__).resolve().parent)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    argv = [str(config_dir), tag, str(count), mode, str(arg or here)]
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _check_history(config_dir, reported):
    vs = versions(config_dir, "shop", "assistant")
    assert vs == list(range(1, len(vs) + 1)), "a gap in the version history"
    notes = {}
    for v in vs:
        cfg = load_config(config_dir, "shop", "assistant", v)  # parses and validates
        assert cfg.version == v
        assert cfg.provenance["previous_version"] == (v - 1 if v > 1 else None)
        notes[cfg.provenance["note"]] = v
    assert len(notes) == len(vs), "two versions carry the same promotion"
    for version, note in reported:  # every promotion that returned is on disk as reported
        assert notes.get(note) == version
    assert current_version(config_dir, "shop", "assistant") in vs
    return vs


@pytest.mark.slow
def test_200_promotions_with_random_kills_leave_valid_complete_history(tmp_path):
    from workbench.experiments._promote import provenance

    res = _result()
    template = DeploymentConfig(
        app="shop",
        name="assistant",
        version=1,
        config=res.spec.arm("concise").config_dict(),
        provenance=provenance(res, "concise", forced=False, reason=None, note=None),
    )
    template_file = tmp_path / "template.json"
    template_file.write_text(template.model_dump_json())
    config_dir = tmp_path / "configs"
    rng = random.Random(7)
    reported, kills, run = [], 0, 0
    while len(versions(config_dir, "shop", "assistant")) < 200 or kills < 8:
        proc = _worker(config_dir, f"w{run}", -1, "write", template_file)
        run += 1
        assert proc.stdout.readline().strip() == "READY", proc.stderr.read()
        time.sleep(rng.uniform(0.05, 1.5))
        proc.send_signal(signal.SIGKILL)
        kills += 1
        out, _ = proc.communicate()
        reported += [tuple(line.split()) for line in out.splitlines() if len(line.split()) == 2]
        vs = versions(config_dir, "shop", "assistant")
        assert vs == list(range(1, len(vs) + 1)), "a gap in the version history"
        if vs:  # every completed version was promoted: the pointer never lags (probe case)
            assert current_version(config_dir, "shop", "assistant") == vs[-1]
    vs = _check_history(config_dir, [(int(v), n) for v, n in reported])
    assert len(vs) >= 200 and kills >= 8


def test_a_write_killed_before_the_pointer_moved_is_finished(tmp_path):
    # probe case: a kill between writing version N and moving .current left the pointer behind
    from workbench.experiments._versions import _journal_path, pointer_path, version_path

    cfg = DeploymentConfig(app="shop", name="assistant", version=1, config={"system_prompt": "a"})
    write_version(cfg, tmp_path)
    second = cfg.model_copy(update={"version": 2, "config": cfg.config.model_copy()})
    path = version_path(tmp_path, "shop", "assistant", 2)
    _journal_path(tmp_path, "shop", "assistant").write_text(f"{path.name}\n")
    path.write_text(second.to_yaml())  # ...and the process died here
    assert pointer_path(tmp_path, "shop", "assistant").read_text().strip() == "assistant.v1.yaml"
    assert current_version(tmp_path, "shop", "assistant") == 2
    third = write_version(cfg.model_copy(update={"version": 1}), tmp_path, next_version=True)
    assert third.version == 3 and current_version(tmp_path, "shop", "assistant") == 3
    assert not _journal_path(tmp_path, "shop", "assistant").exists()


def test_a_journal_for_a_version_never_written_is_ignored(tmp_path):
    from workbench.experiments._versions import _journal_path

    cfg = DeploymentConfig(app="shop", name="assistant", version=1, config={"system_prompt": "a"})
    write_version(cfg, tmp_path)
    _journal_path(tmp_path, "shop", "assistant").write_text("assistant.v2.yaml\n")
    assert current_version(tmp_path, "shop", "assistant") == 1
    assert write_version(cfg, tmp_path, next_version=True).version == 2


def test_two_concurrent_promotions_never_lose_one(tmp_path):
    procs = [_worker(tmp_path, tag, 15) for tag in ("left", "right")]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    reported = [
        (int(v), n)
        for out, _ in outs
        for v, n in (line.split() for line in out.splitlines() if line != "READY")
    ]
    assert len(reported) == 30
    vs = _check_history(tmp_path, reported)
    assert vs == list(range(1, 31))
