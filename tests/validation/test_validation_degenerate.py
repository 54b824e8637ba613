"""``degenerate``: each sign on texts that have it, and real-looking answers that must pass."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.validation import DegenerateValidator, Guard, Policy, build_validator


def verdicts(texts):
    r = DegenerateValidator().check(pd.DataFrame({"output": texts}))
    return r["rule__degenerate"].tolist(), r["reason__degenerate"].tolist()


@pytest.mark.parametrize(
    "text, sign",
    [
        ("", "empty"),
        ("...", "empty"),
        ("```\n```", "empty"),
        ("<p></p><br/>", "empty"),
        ("I can help with that. " + "a" * 400, "loop"),
        ("The answer is " + "no no " * 80, "loop"),
        (" ".join(["The parcel ships today from our warehouse in Leeds."] * 6), "loop"),
        ("Here you go." + "\n" * 500, "loop"),
        (
            'jugtempor+"país Kais Landes Searchобъек Acceptften Capitaty 双Jac dll rc '
            "cluster MP ns forcing empio manual `_手 });uerdo",
            "soup",
        ),  # fmt: skip
        ("ÐŸÑ€Ð¸Ð²ÐµÑ‚ Ð¼Ð¸Ñ€ ÐºÐ°Ðº Ð´ÐµÐ»Ð° Ñ‡Ñ‚Ð¾ Ð½Ð¾Ð²Ð¾Ð³Ð¾ Ð´Ñ€ÑƒÐ³ Ð¼Ð¾Ð¹", "soup"),
        (
            '</div></div><span class="a">{{ }}&nbsp;</span><td></tr>{% endif %}<li>ok</li>'
            "<br/>&amp;</p>",
            "markup",
        ),  # fmt: skip
    ],
)
def test_each_sign_fails_with_its_reason(text, sign):
    (passed,), (reason,) = verdicts([text])
    assert passed is False
    assert reason.startswith(sign + ":"), reason


@pytest.mark.parametrize(
    "text",
    [
        "42",
        "Paris.",
        "🐱😺🐾",
        "1. Apples\n2. Pears\n3. Plums\n4. Figs\n5. Dates\n6. Limes\n7. Kiwis",
        "| item | price |\n|---|---|\n| shirt | $10 |\n| pants | $20 |\n| shoes | $40 |",
        "Use `df.groupby('a').sum()` and then:\n```python\nfor i in range(10):\n    print(i)\n"
        "```\nThat prints 0 to 9.",
        "Le chat est sur la table. Il dort depuis ce matin et ne veut pas bouger du tout.",
        "東京は日本の首都です。人口は約1400万人で、世界で最も大きな都市の一つです。",
        'The Chinese word "你好" (nǐ hǎo) means hello, and "谢谢" (xièxie) means thank you.',
        "Chorus: we sing all night. Verse one goes here and tells a story. Chorus: we sing all "
        "night. Verse two adds a twist to the story. Chorus: we sing all night.",
    ],
)
def test_real_answers_pass(text):
    (passed,), (reason,) = verdicts([text])
    assert passed is True, reason


def test_it_is_configurable_and_runs_in_a_policy():
    v = build_validator({"type": "degenerate", "max_compression": 0.05, "severity": "warn"})
    assert v.to_config() == {"type": "degenerate", "max_compression": 0.05, "severity": "warn"}
    policy = Policy.from_dict({"validators": [{"type": "degenerate"}]})
    decision = Guard(policy).check({"output": "x" * 300})
    assert decision.action == "block"
    assert "loop" in decision.reasons[0]
