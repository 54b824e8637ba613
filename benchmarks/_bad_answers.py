"""Bad answers built from real ones: cut, shuffled, token soup, loops, markup salad, empty.

Every set is made from the real AlpacaEval answers (``../shared/data/real/alpaca_eval``) or, for
token soup, from a real tokenizer's vocabulary (the Llama-2 vocabulary that ships inside the
``wordllama`` wheel), so nothing here is text we wrote except the empty dressings.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from pathlib import Path

import _sets

ARMS = ("gpt-3.5-turbo-1106", "gpt-3.5-turbo-1106_concise", "gpt-3.5-turbo-1106_verbose",
        "claude-2.1", "claude-2.1_concise")  # fmt: skip
DRESSINGS = ("", " ", "...", "```\n```", "<p></p>", "—", "{}", "[]", "* * *", "\n\n", "“”",
             "<br><br>", "```json\n{}\n```", "&nbsp;", "()")  # fmt: skip
TAGS = ("<div>", "</div>", "<span class=\"x\">", "</span>", "{{", "}}", "{% endif %}", "&nbsp;",
        "<br/>", "</p>", "<td>", "</tr>", "&amp;", "<li>", "]]>", "<![CDATA[", "&#8203;")  # fmt: skip


def answers() -> dict[str, list[str]] | None:
    """Each arm's 805 real answers, or None when the real data is absent."""
    root = _sets.REAL / "alpaca_eval" / "annotations"
    if not root.is_dir():
        return None
    out = {}
    for arm in ARMS:
        with gzip.open(root / f"{arm}.annotations.json.gz") as fh:
            out[arm] = [r["output_2"] for r in json.load(fh)]
    return out


def _vocab() -> list[str]:
    import wordllama

    path = Path(wordllama.__file__).parent / "tokenizers" / "l2_supercat_tokenizer_config.json"
    vocab = json.loads(path.read_text())["model"]["vocab"]
    return [t for t in vocab if not (t.startswith("<") and t.endswith(">"))]


def bad_sets(real: list[str], n: int = 800, seed: int = 0) -> dict[str, list[str]]:
    """Degenerate texts of each kind, ``n`` of each."""
    rng = random.Random(seed)
    vocab = _vocab()
    sentences = [s for t in real for s in re.split(r"(?<=[.!?])\s+", t) if 20 <= len(s) <= 200]
    words = [w for t in real for w in t.split()]
    out: dict[str, list[str]] = {"soup": [], "char_loop": [], "phrase_loop": [], "markup": []}
    for _ in range(n):
        out["soup"].append(
            "".join(rng.choice(vocab) for _ in range(rng.randint(20, 300))).replace("▁", " ")
        )
        head = rng.choice(real)[: rng.randint(0, 300)]
        out["char_loop"].append(head + rng.choice("ab.!?-_ 0\n") * rng.randint(200, 2000))
        s = rng.choice(sentences)
        out["phrase_loop"].append(" ".join([s] * max(3, 600 // len(s))))
        salad = [rng.choice(TAGS) if rng.random() < 0.8 else rng.choice(words) for _ in range(60)]
        out["markup"].append("".join(salad))
    out["empty"] = [rng.choice(DRESSINGS) for _ in range(n)]
    return out


def cut_and_shuffled(instructions: list[str], real: list[str], seed: int = 0) -> dict:
    """(instruction, answer) pairs gone wrong: each answer cut at a random character or a random
    word (at least 40 characters kept, at most 90%), and the answers shuffled across
    instructions (none keeps its own)."""
    rng = random.Random(seed)
    long = [(q, a) for q, a in zip(instructions, real) if len(a) >= 80]
    by_char, by_word = [], []
    for q, a in long:
        by_char.append((q, a[: rng.randint(40, int(len(a) * 0.9))]))
        words = a.split(" ")
        by_word.append(
            (q, " ".join(words[: rng.randint(max(3, len(words) // 10), int(len(words) * 0.9))]))
        )
    order = list(range(len(real)))
    rng.shuffle(order)
    shuffled = [(instructions[i], real[order[i]]) for i in range(len(real)) if order[i] != i]
    return {"cut_at_char": by_char, "cut_at_word": by_word, "shuffled": shuffled}
