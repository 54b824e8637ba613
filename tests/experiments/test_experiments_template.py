"""Prompt templates render in a sandbox bounded in size, loops and recursion (issue 20, item 7).

Each hostile template is a probe case: before the bounds, ``{{ 'x' * 1000000000 }}`` rendered a
1 GB string (reachable from the Experiments page) and nested loops never ended. Every case must
be refused quickly, with a ConfigError naming the arm, and without building the value first.
"""

from __future__ import annotations

import resource
import time

import pytest

from workbench.errors import ConfigError
from workbench.experiments import ExperimentSpec
from workbench.experiments._template import MAX_CHARS, TemplateLimitError, render

HOSTILE = {
    "repeat a string": "{{ 'x' * 1000000000 }}",
    "repeat, int first": "{{ 1000000000 * 'x' }}",
    "repeat a list": "{{ ['x'] * 1000000000 }}",
    "add big strings": "{{ ('x' * 999999) + ('x' * 999999) }}",
    "nested loops": "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
    "loop over a long string": "{% for c in 'x' * 999999 %}{% endfor %}",
    "double with ~ in a namespace": (
        "{% set ns = namespace(x='x') %}{% for i in range(40) %}"
        "{% set ns.x = ns.x ~ ns.x %}{% endfor %}{{ ns.x|length }}"
    ),
    "double in a macro": (
        "{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% else %}{{ s }}{% endif %}"
        "{% endmacro %}{{ d('x', 40) }}"
    ),
    "endless recursion": "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "recursive loop": "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}",
    "center filter": "{{ 'x'|center(1000000000) }}",
    "ljust method": "{{ 'x'.ljust(1000000000) }}",
    "%-format width": "{{ '%1000000000s' % 'x' }}",
    "str.format width": "{{ '{:>1000000000}'.format(1) }}",
    "format filter precision": "{{ '%.100000000f'|format(1) }}",
    "replace method": "{{ ('x' * 999999).replace('x', 'x' * 999999) }}",
    "replace filter": "{{ ('x' * 999999)|replace('x', 'x' * 999999) }}",
    "expandtabs": "{{ ('\t' * 999999).expandtabs(999999) }}",
    "join method": "{{ ('x' * 999999).join(range(100000)|map('string')) }}",
    "join filter": "{{ range(100000)|join('x' * 999999) }}",
    "indent filter": "{{ ('\n' * 999999)|indent(999999) }}",
    "wordwrap filter": "{{ ('x ' * 400000)|wordwrap(1, wrapstring='y' * 999) }}",
    "batch fill": "{{ range(3)|batch(1000000000, 'x')|list|length }}",
    "slice count": "{{ range(3)|slice(1000000000)|list|length }}",
    "huge power": "{{ 10 ** 10000000 }}",
    "long output": "{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}",
}


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_templates_are_refused_fast_and_small(source):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    with pytest.raises(TemplateLimitError):
        render(source, input="q", context=[])
    assert time.perf_counter() - t0 < 2.0
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 64  # nothing near the value's size was allocated


def test_lipsum_is_not_offered():
    with pytest.raises(Exception, match="lipsum"):
        render("{{ lipsum(n=1000000000) }}")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ input }} {{ context|join(', ') }}", "q alpha-one, beta"),
        ("{% for c in context %}[{{ c[:5] }}]{% endfor %} {{ input }}", "[alpha][beta] q"),
        ("{{ 'a-b'.replace('-', ' ') }} {{ ', '.join(context) }}", "a b alpha-one, beta"),
        ("{{ '{} {}'.format(input, 2) }}|{{ 'x\ny'|indent(2, true) }}", "q 2|  x\n  y"),
        (
            "{{ range(5)|batch(2)|list }} {{ range(5)|slice(2)|list }}",
            "[[0, 1], [2, 3], [4]] [[0, 1, 2], [3, 4]]",
        ),
        ("{{ input|center(5) }}|{{ '%-3s|' % input }}", "  q  |q  |"),
    ],
)
def test_ordinary_templates_render_as_jinja_does(source, expected):
    assert render(source, input="q", context=["alpha-one", "beta"]) == expected


def test_values_up_to_the_limit_render():
    assert len(render("{{ 'x' * n }}", n=MAX_CHARS)) == MAX_CHARS
    assert len(render("{{ ('x' * 1000)|replace('x', 'y' * 1000) }}")) == MAX_CHARS


def test_an_arm_names_itself_when_its_template_is_refused():
    spec = ExperimentSpec.model_validate(
        {
            "name": "e",
            "app": "a",
            "baseline": {"name": "control"},
            "variants": [{"name": "bomb", "prompt_template": "{{ 'x' * 1000000000 }}"}],
            "primary": {"kind": "policy"},
        }
    )
    with pytest.raises(ConfigError, match="arm 'bomb'.*over the 1,000,000 limit"):
        spec.variants[0].render_messages("hi")
    with pytest.raises(ConfigError, match="arm 'bomb'"):
        spec.variants[0].model_copy(update={"prompt_template": "{{ 1 + 'a' }}"}).render_prompt("x")
