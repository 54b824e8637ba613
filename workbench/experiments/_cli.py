"""``workbench experiment plan|run|analyze|promote|split SPEC.yaml``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ACTIONS = ("plan", "run", "analyze", "promote", "split")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=ACTIONS, help="what to do with the experiment")
    parser.add_argument("spec", help="experiment spec (YAML)")
    parser.add_argument(
        "--logs",
        help="scored logs / run output (Parquet, CSV or JSONL): "
        "traffic for plan, data for analyze and promote",
    )
    parser.add_argument(
        "--inputs",
        help="run: inputs (Parquet/CSV/JSONL with an input column); "
        "default: the spec's inputs, else a sample of the demo logs",
    )
    parser.add_argument("--out", help="run: where to write the scored outputs (Parquet)")
    parser.add_argument("--provider", choices=("demo", "openai"), default="demo")
    parser.add_argument(
        "--base-url", help="openai provider endpoint, e.g. http://localhost:8000/v1"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=60.0, help="per-request timeout (s)")
    parser.add_argument("--cache-dir", help="request cache (default: settings cache_dir)")
    parser.add_argument("--policy", help="validation policy YAML used to score outputs")
    parser.add_argument("--limit", type=int, default=None, help="run: only the first N inputs")
    parser.add_argument("--no-progress", action="store_true", help="run: no progress bar")
    parser.add_argument(
        "--config-dir", help="promote/split: config directory (default: settings config_dir)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="promote even if the analysis does not support it (recorded)",
    )
    parser.add_argument("--reason", help="promote --force: why (recorded in the config)")
    parser.add_argument("--arm", help="promote --force: the arm to promote when there is no winner")
    parser.add_argument("--json", action="store_true", help="analyze: print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from workbench.experiments._spec import ExperimentSpec

    spec_path = Path(args.spec)
    spec = ExperimentSpec.from_yaml(spec_path)
    return {"plan": _plan, "run": _run, "analyze": _analyze, "promote": _promote, "split": _split}[
        args.action
    ](spec, spec_path, args)


def read_frame(path: str | Path):
    """A LogFrame or any table (Parquet, CSV, JSON lines) through :func:`workbench.io.read_table`."""
    from workbench.io import read_table

    return read_table(str(path))


def _config_dir(args):
    from workbench.settings import Settings

    return Path(args.config_dir) if args.config_dir else Settings.from_env().config_dir


def _plan(spec, spec_path, args) -> int:
    from workbench.experiments._plan import plan

    traffic = read_frame(args.logs) if args.logs else None
    print(plan(spec, traffic))
    return 0


def _inputs(spec, spec_path, args):
    if args.inputs:
        return read_frame(args.inputs)
    if spec.inputs:
        return read_frame(spec_path.parent / spec.inputs)
    import workbench.schema as S
    from workbench.datasets import demo_logs

    logs = demo_logs(n=2_000, days=30, seed=spec.seed)
    cols = [c for c in (S.RECORD_ID, S.INPUT, S.CONTEXT, S.METADATA) if c in logs.columns]
    return logs[cols].drop_duplicates(S.INPUT).reset_index(drop=True)


def _run(spec, spec_path, args) -> int:
    from workbench.experiments._providers import OpenAIProvider, provider_from_settings
    from workbench.experiments._runner import run as run_experiment
    from workbench.io import write

    if args.provider == "openai":
        provider = provider_from_settings(
            "openai", base_url=args.base_url, concurrency=args.concurrency, timeout=args.timeout
        )
        assert isinstance(provider, OpenAIProvider)
    else:
        provider = provider_from_settings("demo")
    policy = args.policy or (str(spec_path.parent / spec.policy) if spec.policy else None)
    limit = (
        args.limit
        if args.limit is not None
        else (200 if not (args.inputs or spec.inputs) else None)
    )
    res = run_experiment(
        spec,
        _inputs(spec, spec_path, args),
        provider,
        cache_dir=args.cache_dir,
        policy=policy,
        progress=not args.no_progress,
        limit=limit,
    )
    out = Path(args.out or f"experiment-{spec.name}.parquet")
    write(res.frame, out)
    m = res.meta
    print(
        f"{m['calls']} calls ({m['sent']} sent, {m['cached']} from cache, {m['errors']} errors, "
        f"{m['retries']} retries), cost ${m['cost']:.4f} -> {out}"
    )
    print(res.summary().to_string(index=False))
    return 0


def _analysis(spec, args):
    from workbench.errors import ConfigError
    from workbench.experiments._analysis import analyze

    if not args.logs:
        raise ConfigError(
            "pass --logs FILE (the run output or production logs with a variant column)",
            key="--logs",
        )
    return analyze(read_frame(args.logs), spec)


def _analyze(spec, spec_path, args) -> int:
    result = _analysis(spec, args)
    if args.json:
        payload = {**result.meta, "table": json.loads(result.frame.to_json(orient="records"))}
        json.dump(payload, sys.stdout, indent=2, default=str)
        print()
    else:
        print(result)
    return 0


def _promote(spec, spec_path, args) -> int:
    from workbench.errors import PromotionRefused
    from workbench.experiments._promote import promote

    result = _analysis(spec, args)
    try:
        p = promote(result, _config_dir(args), force=args.force, reason=args.reason, arm=args.arm)
    except PromotionRefused as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    verb = "proposed (awaiting `workbench config approve`)" if p.proposed else "promoted"
    print(
        f"{verb} '{p.config.provenance['arm']}' as {p.path} (version {p.version}"
        f"{', FORCED' if p.forced else ''})"
    )
    return 0


def _split(spec, spec_path, args) -> int:
    from workbench.experiments._online import write_split_config

    print(write_split_config(spec, _config_dir(args)))
    return 0
