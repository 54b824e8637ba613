"""``workbench clusters LOGS``: cluster failing outputs into topics and print the topic table.

Examples
--------
>>> import argparse
>>> p = argparse.ArgumentParser(); configure(p)
>>> p.parse_args(["logs.jsonl", "--text", "input"]).text
'input'
"""

from __future__ import annotations

import argparse
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "logs", help="log file (any format `workbench load` reads, or Parquet/CSV/JSONL)"
    )
    parser.add_argument(
        "--policy",
        help="validation policy YAML; its failing rows are clustered "
        "(without it: rows failing the rule__ columns already in the file)",
    )
    parser.add_argument(
        "--text", default="output", help="text to cluster: output (default), input or a column"
    )
    parser.add_argument(
        "--all", action="store_true", help="cluster every row, not only the failing ones"
    )
    parser.add_argument(
        "--out", help="write the topic table to this Parquet file (refuses to overwrite)"
    )
    parser.add_argument("--assignments", help="write record_id -> topic to this Parquet file")
    parser.add_argument("--save-model", help="save the fitted clusterer to this new directory")
    parser.add_argument(
        "--min-topic-size", type=int, default=None, help="smallest topic (default: adaptive)"
    )
    parser.add_argument(
        "--max-fit-docs",
        type=int,
        default=20_000,
        help="past this many texts, fit on a stratified sample (default 20000)",
    )
    parser.add_argument(
        "--backend",
        default=None,
        help="embedding backend: wordllama (default, offline semantic), tfidf, "
        "sentence-transformers or openai (Settings.embedding_backend)",
    )
    parser.add_argument(
        "--llm-labels",
        action="store_true",
        help="ask the configured LLM endpoint (WORKBENCH_LLM_BASE_URL, WORKBENCH_LLM_MODEL) "
        "for a label and description per topic",
    )
    parser.add_argument(
        "--example-chars", type=int, default=70, help="characters of the example shown per topic"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--top", type=int, default=30, help="topics to print (default 30)")
    parser.add_argument("--quiet", action="store_true", help="no progress messages on stderr")


def _one_line(examples, width: int) -> str:
    """The first example on one line, cut to ``width`` characters.

    >>> _one_line(["I cannot   help with that request"], 12)
    'I cannot he…'
    """
    text = " ".join(str(examples[0]).split()) if len(examples) else ""
    return text if len(text) <= width else text[: width - 1] + "…"


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from workbench.cluster._clusterer import FailureClusterer
    from workbench.io import read_table, write
    from workbench.settings import Settings
    from workbench.validation import validate

    frame = read_table(args.logs)
    if args.policy:
        frame = validate(frame, args.policy).frame
    settings = Settings.from_env(embedding_backend=args.backend)
    fc = FailureClusterer(
        min_topic_size=args.min_topic_size,
        max_fit_docs=args.max_fit_docs,
        seed=args.seed,
        settings=settings,
        verbose=not args.quiet,
    )
    fc.fit(frame, text=args.text, where="all" if args.all else None)
    if args.llm_labels:
        fc.label_topics()
    table = fc.topic_table()
    f = table.to_frame()
    info = fc.fit_info_
    print(
        f"{info['n_docs']:,} texts from {info['n_selected']:,} of {info['n_rows']:,} rows -> "
        f"{info['n_topics']} topics, {info['n_outliers']:,} outliers, {info['n_empty']:,} empty"
    )
    width = max(10, args.example_chars)
    shown = f.assign(example=[_one_line(ex, width) for ex in f["examples"]])
    cols = [
        c
        for c in (
            "topic",
            "name",
            "llm_label",
            "size",
            "share",
            "failure_rate",
            "top_validators",
            "example",
        )
        if c in shown.columns
    ]
    with pd.option_context("display.width", 200, "display.max_colwidth", width + 3):
        print(
            shown[cols]
            .head(args.top)
            .to_string(
                index=False, formatters={"share": "{:.1%}".format, "failure_rate": "{:.2%}".format}
            )
        )
    for target, data in (
        (args.out, f),
        (args.assignments, fc.assignments_[["record_id", "topic"]]),
    ):
        if target:
            write(data, target, overwrite=False)
            print(f"wrote {target}", file=sys.stderr)
    if args.save_model:
        fc.save(args.save_model)
        print(f"saved model to {args.save_model}", file=sys.stderr)
    return 0
