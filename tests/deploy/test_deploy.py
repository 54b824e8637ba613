"""The deployment runtime: light import, split assignment, reloads, bad files, guard, call log."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

import workbench._columns as C
from workbench.deploy import Deployment
from workbench.errors import ConfigError
from workbench.experiments import ExperimentSpec
from workbench.experiments._online import assign_variant, write_split_config
from workbench.experiments._versions import (
    DeploymentConfig,
    pointer_path,
    rollback,
    version_path,
    write_version,
)
from workbench.store import read

POLICY = "fallback_text: Sorry, I cannot share that.\nvalidators:\n  - type: pii\n"


def _config(d, version=1, **cfg):
    cfg = {"system_prompt": "You help.", "prompt_template": "Q: {{ input }}", **cfg}
    return write_version(
        DeploymentConfig(app="shop", name="assistant", version=version, config=cfg), d
    )


def test_import_is_light_and_fast():
    code = (
        "import sys, time; t = time.perf_counter(); import workbench.deploy; "
        "dt = time.perf_counter() - t; "
        "heavy = [m for m in ('pandas', 'numpy', 'panel', 'bertopic', 'pyarrow', "
        "'workbench.validation') if m in sys.modules]; print(dt, heavy)"
    )
    best = min(
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout.split()[0]
        )
        for _ in range(3)
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split(maxsplit=1)[1].strip() == "[]"
    assert best < 0.150, f"import workbench.deploy took {best * 1000:.0f} ms"


def test_serving_without_guarding_loads_no_pandas(tmp_path):
    _config(tmp_path)
    code = (
        "import sys; from workbench.deploy import Deployment; "
        f"d = Deployment({str(tmp_path)!r}, 'shop/assistant', poll_interval=0); "
        "d.prepare('hi', unit_id='u', context=['a', 'b']); "
        "print([m for m in ('pandas', 'numpy', 'pyarrow') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_prepare_renders_the_current_config_with_context(tmp_path):
    _config(
        tmp_path,
        prompt_template="{% for p in context %}[{{ p }}]{% endfor %} Q: {{ input }}",
        context={"top_k": 2, "fields": ["body"], "max_chars": 4},
        model={"name": "m1", "temperature": 0.3, "max_tokens": 99},
    )
    with Deployment(tmp_path, "shop/assistant", poll_interval=0) as dep:
        ctx = [{"id": "kb1", "body": "refunds"}, {"id": "kb2", "body": "shipping"}, "third"]
        call = dep.prepare("Where?", unit_id="u1", context=ctx)
    assert call.messages == [
        {"role": "system", "content": "You help."},
        {"role": "user", "content": "[refu][ship] Q: Where?"},
    ]
    assert call.context_ids == ["kb1", "kb2"] and call.prompt_version == "v1"
    assert call.body()["model"] == "m1" and call.body()["temperature"] == 0.3
    assert call.variant is None


def test_a_running_split_assigns_as_the_experiment_does_and_ends_on_promotion(tmp_path):
    _config(tmp_path)
    spec = ExperimentSpec.model_validate(
        {
            "name": "brief",
            "app": "shop",
            "baseline": {"name": "control", "system_prompt": "You help."},
            "variants": [{"name": "brief", "system_prompt": "You help. Be brief."}],
            "primary": {"kind": "policy"},
            "split": {"control": 3, "brief": 1},
        }
    )
    write_split_config(spec, tmp_path)
    with Deployment(tmp_path, "shop/assistant", poll_interval=0) as dep:
        dep.refresh()
        for i in range(200):
            call = dep.prepare("hi", unit_id=f"user-{i}")
            assert call.variant == assign_variant(f"user-{i}", spec)
            assert call.prompt_version == f"brief:{call.variant}"
        assert dep.prepare("hi").variant is None  # no unit id: the current config
        winner = dep.snapshot.split.arms["brief"].config
        write_version(
            DeploymentConfig(
                app="shop",
                name="assistant",
                version=1,
                config=winner.config_dict(),
                provenance={"experiment": "brief", "arm": "brief"},
            ),
            tmp_path,
            next_version=True,
        )
        assert dep.refresh()
        call = dep.prepare("hi", unit_id="user-1")
        assert (call.variant, call.prompt_version) == (None, "v2")
        assert call.messages[0]["content"].endswith("Be brief.")


def test_a_bad_new_version_keeps_the_last_good_one_and_says_why(tmp_path):
    _config(tmp_path)
    with Deployment(tmp_path, "shop/assistant", poll_interval=0.05) as dep:
        dep.prepare("hi")
        bad = version_path(tmp_path, "shop", "assistant", 2)
        bad.write_text("app: shop\nname: assistant\nversion: 2\nconfig: {temperature: hot}\n")
        pointer_path(tmp_path, "shop", "assistant").write_text(f"{bad.name}\n")
        deadline = time.monotonic() + 5
        while not dep.problems and time.monotonic() < deadline:
            time.sleep(0.02)
        assert dep.snapshot.version == 1 and "assistant.v2.yaml" in dep.problems[0]
        bad.unlink()
        _config(tmp_path, version=2, system_prompt="Fixed.")
        while dep.snapshot.version != 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert dep.snapshot.version == 2 and dep.problems == []


def test_missing_config_is_an_error_naming_the_target(tmp_path):
    with pytest.raises(ConfigError, match="no versions of shop/assistant"):
        Deployment(tmp_path, "shop/assistant")
    with pytest.raises(ConfigError, match="APP/NAME"):
        Deployment(tmp_path, "assistant")


def test_guard_blocks_with_the_configs_policy_and_every_call_is_logged(tmp_path):
    (tmp_path / "policy.yaml").write_text(POLICY)
    _config(tmp_path, policy="policy.yaml")
    store = tmp_path / "logs"
    with Deployment(tmp_path, "shop/assistant", logs=store, poll_interval=0) as dep:
        ok = dep.prepare("hi", unit_id="u1", context=[{"id": 7, "context": "kb"}])
        d_ok = dep.guard(ok, "Your order ships today.")
        dep.log(ok, output="Your order ships today.", decision=d_ok, tokens_in=10, tokens_out=5)
        bad = dep.prepare("hi", unit_id="u2")
        d_bad = dep.guard(bad, "Call me at 415-555-0100, SSN 123-45-6789, a@b.com")
        dep.log(bad, output="...", decision=d_bad, durable=True)
    assert d_ok.allowed and not d_bad.allowed
    assert d_bad.text("x") == "Sorry, I cannot share that." and d_bad.validators() == ["pii"]
    frame = read(store)
    assert len(frame) == 2 and set(frame[C.PROMPT_VERSION]) == {"v1"}
    meta = [json.loads(m) for m in frame[C.METADATA]]
    by_unit = {m["unit_id"]: m for m in meta}
    assert by_unit["u1"]["guard"]["action"] == "allow" and by_unit["u1"]["context_ids"] == [7]
    assert by_unit["u2"]["guard"]["failed"] == ["pii"]
    assert frame[C.LATENCY_MS].notna().all()


def test_threads_preparing_during_promotions_and_rollbacks_never_fail(tmp_path):
    _config(tmp_path)
    errors, seen = [], set()
    with Deployment(tmp_path, "shop/assistant", poll_interval=0.01) as dep:
        stop = threading.Event()

        def serve():
            while not stop.is_set():
                try:
                    seen.add(dep.prepare("hi", unit_id="u").prompt_version)
                except Exception as exc:  # noqa: BLE001 - the test collects any failure
                    errors.append(exc)

        threads = [threading.Thread(target=serve) for _ in range(4)]
        for t in threads:
            t.start()
        for i in range(2, 12):
            _config(tmp_path, version=i, system_prompt=f"v{i}")
            time.sleep(0.03)
            if i % 3 == 0:
                rollback(tmp_path, "shop", "assistant")
                time.sleep(0.03)
        stop.set()
        for t in threads:
            t.join()
    assert errors == [] and len(seen) >= 5


def test_an_edited_policy_is_picked_up_and_a_broken_one_keeps_the_last_good(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    _config(tmp_path, policy="policy.yaml")
    with Deployment(tmp_path, "shop/assistant", poll_interval=0.05) as dep:
        call = dep.prepare("hi")
        assert dep.guard(call, "We offer legal advice.").allowed
        policy.write_text(POLICY + "  - type: banned_terms\n    terms: [legal advice]\n")
        deadline = time.monotonic() + 5
        while dep.guard(call, "We offer legal advice.").allowed and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not dep.guard(call, "We offer legal advice.").allowed
        policy.write_text("validators: [{type: no_such_validator}]\n")
        while not dep.problems and time.monotonic() < deadline:
            time.sleep(0.02)
        assert dep.problems and not dep.guard(call, "We offer legal advice.").allowed
