"""Prompt templates: Jinja2 in a sandbox whose rendering is bounded in size and work.

Jinja2's sandbox stops a template from reaching Python internals but not from exhausting the
machine: ``{{ 'x' * 1000000000 }}`` builds a 1 GB string and nested loops never end. A template
comes from a config file anyone on the team can edit (and the Experiments page), so rendering here
is bounded three ways, each failing with :class:`TemplateLimitError` before the cost is paid:

- values: string/list repetition, ``+``, ``~``, ``%``, ``**``, ``format`` and width-taking filters
  refuse a result over :data:`MAX_CHARS` (checked from the operands, before the result is built);
- work: every ``for`` loop draws from one per-render budget of :data:`MAX_ITERATIONS` iterations;
- output: the rendered text is streamed and refused once it passes :data:`MAX_CHARS`.

>>> render("Q: {{ input }}", input="hi")
'Q: hi'
>>> render("{{ 'x' * 1000000000 }}")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
workbench.experiments._template.TemplateLimitError: key 'prompt_template': the template builds ...
"""

from __future__ import annotations

import contextvars
import functools
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

from workbench.errors import ConfigError

#: largest string or list a template may build, and the longest rendered prompt (about 250k
#: tokens, past every model's context window)
MAX_CHARS = 1_000_000
#: loop iterations one render may run, over all its loops together
MAX_ITERATIONS = 100_000
#: built-in filters whose result can be much larger than their input (the rest are linear)
_SIZING_FILTERS = ("center", "indent", "wordwrap", "replace", "format", "join", "batch", "slice")
#: a run of 7+ digits in a %-format or str.format spec is a width or precision over MAX_CHARS
_HUGE_SPEC = re.compile(r"[0-9]{7,}")

_budget: contextvars.ContextVar[list[int]] = contextvars.ContextVar("template_budget")


class TemplateLimitError(ConfigError):
    """A template that would build a value or run a loop past the rendering limits."""


def render(source: str, **variables: Any) -> str:
    """``source`` rendered with ``variables`` in the bounded sandbox (``StrictUndefined``)."""
    token = _budget.set([MAX_ITERATIONS])
    try:
        parts, size = [], 0
        for chunk in compile_template(source).generate(**variables):
            size += len(chunk)
            if size > MAX_CHARS:
                raise _too_big(size, "renders")
            parts.append(chunk)
        return "".join(parts)
    except RecursionError:
        raise TemplateLimitError(
            "the template recurses without end (a macro or recursive loop calls itself); "
            "give the recursion a base case",
            key="prompt_template",
        ) from None
    finally:
        _budget.reset(token)


def check_syntax(source: str) -> None:
    """Raise ``jinja2.TemplateSyntaxError`` when ``source`` does not compile."""
    compile_template(source)


@functools.lru_cache(maxsize=256)
def compile_template(source: str):
    """The compiled template (compiling costs ~0.5 ms; a run renders each template many times)."""
    env = _environment()
    return env.from_string(_bounded_tree(env.parse(source)))


def _too_big(n: float, what: str = "builds a value of") -> TemplateLimitError:
    return TemplateLimitError(
        f"the template {what} {n:,.0f} characters, over the {MAX_CHARS:,} limit; "
        "shorten the repetition or the loop (the prompt a model reads is far smaller)",
        key="prompt_template",
    )


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


def _check_spec(spec: Any) -> None:
    if isinstance(spec, str) and _HUGE_SPEC.search(spec):
        raise TemplateLimitError(
            f"the format spec {spec[:40]!r} asks for a width or precision over {MAX_CHARS:,}",
            key="prompt_template",
        )


def _loop(iterable: Iterable) -> Iterator:
    budget = _budget.get(None)
    for item in iterable:
        if budget is not None:
            budget[0] -= 1
            if budget[0] < 0:
                raise TemplateLimitError(
                    f"the template's loops ran over {MAX_ITERATIONS:,} iterations in one render; "
                    "loop over fewer items",
                    key="prompt_template",
                )
        yield item


def _concat(*parts: Any) -> str:
    strings = [str(p) for p in parts]
    n = sum(len(s) for s in strings)
    if n > MAX_CHARS:
        raise _too_big(n)
    return "".join(strings)


def _bounded_binop(op: str, left: Any, right: Any) -> float:
    """Size of ``left op right`` when it is a sequence or a power, computed without building it."""
    if op == "*":
        seq, n = (left, right) if _size(left) else (right, left)
        if _size(seq) and isinstance(n, int):
            return _size(seq) * max(n, 0)
    elif op == "+":
        return _size(left) + _size(right)
    elif op == "**" and isinstance(left, int | float) and isinstance(right, int | float):
        if abs(left) > 1 and right > 0:
            return right * math.log10(abs(left))  # digits of the result
    elif op == "%" and isinstance(left, str):
        _check_spec(left)
    return 0


def _expansion(name: str, s: Any, args: tuple, kwargs: dict) -> float:
    """Size of the result of str method or filter ``name`` on ``s``, without building it.

    Covers every str method and built-in filter whose result can be much larger than its inputs
    (the rest are linear in their inputs, which are bounded already).
    """
    if not isinstance(s, str):
        return 0
    a = list(args) + list(kwargs.values())
    if name in {"center", "ljust", "rjust", "zfill"}:
        return max([len(s)] + [v for v in a[:1] if isinstance(v, int)])
    if name == "expandtabs":
        size = a[0] if a and isinstance(a[0], int) else 8
        return len(s) + s.count("\t") * max(size, 0)
    if name == "indent":
        width = a[0] if a else 4
        width = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        return len(s) + (s.count("\n") + 1) * max(width, 0)
    if name == "replace" and len(a) >= 2:
        old, new = str(a[0]), str(a[1])
        times = s.count(old) if old else len(s) + 1
        if len(a) > 2 and isinstance(a[2], int) and a[2] >= 0:
            times = min(times, a[2])
        return len(s) + times * max(len(new) - len(old), 0)
    if name == "wordwrap":
        width = a[0] if a and isinstance(a[0], int) else 79
        wrap = next((v for v in a[1:] if isinstance(v, str)), "\n")
        return len(s) + (len(s) // max(width, 1) + 1) * len(wrap)
    if name == "translate" and a and isinstance(a[0], dict):
        longest = max((_size(v) for v in a[0].values()), default=0)
        return len(s) * max(longest, 1)
    if name in {"format", "format_map", "do_format"}:
        _check_spec(s)
    return 0


def _joined(sep: str, items: Any) -> tuple[list, float]:
    """``items`` as a list and the length of ``sep.join(items)``."""
    items = list(items)
    return items, len(sep) * max(len(items) - 1, 0) + sum(len(str(i)) for i in items)


def _environment():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class BoundedSandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "+", "**", "%"})

        def call_binop(self, context, operator, left, right):
            n = _bounded_binop(operator, left, right)
            if n > MAX_CHARS:
                raise _too_big(n)
            return super().call_binop(context, operator, left, right)

        def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805
            receiver = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
            name = getattr(__obj, "__name__", "")
            if isinstance(receiver, str):
                if name == "join" and args:
                    items, n = _joined(receiver, args[0])
                    args = (items, *args[1:])
                else:
                    n = _expansion(name, receiver, args, kwargs)
                if n > MAX_CHARS:
                    raise _too_big(n)
            return super().call(__context, __obj, *args, **kwargs)

    env = BoundedSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.globals.pop("lipsum", None)  # lipsum(n=10**9): no use in a prompt
    for name in _SIZING_FILTERS:
        env.filters[name] = _sized_filter(name, env.filters[name])
    env.globals.update(_wb_loop=_loop, _wb_concat=_concat)
    return env


def _passes_context(args: tuple) -> bool:
    """Whether a filter was called with Jinja's environment or eval context first."""
    from jinja2 import Environment
    from jinja2.nodes import EvalContext

    return bool(args) and isinstance(args[0], Environment | EvalContext)


def _sized_filter(name: str, func):
    @functools.wraps(func)
    def bounded(*args, **kwargs):
        offset = 1 if _passes_context(args) else 0
        value, rest = args[offset], args[offset + 1 :]
        if name == "join":
            sep = rest[0] if rest else kwargs.get("d", "")
            if isinstance(sep, str) and "attribute" not in kwargs and len(rest) < 2:
                value, n = _joined(sep, value)
                args = (*args[:offset], value, *rest)
            else:
                n = 0
        elif name in {"batch", "slice"}:
            count = rest[0] if rest else 0
            n = count if isinstance(count, int) else 0
        else:
            n = _expansion(name, value, rest, kwargs)
        if n > MAX_CHARS:
            raise _too_big(n)
        return func(*args, **kwargs)

    return bounded


def _bounded_tree(tree):
    """``tree`` rewritten so loops draw from the budget and ``~`` checks its result size."""
    from jinja2 import nodes
    from jinja2.visitor import NodeTransformer

    def call(name, args, lineno):
        return nodes.Call(nodes.Name(name, "load"), args, [], None, None, lineno=lineno)

    class Rewrite(NodeTransformer):
        def visit_For(self, node):
            node = self.generic_visit(node)
            node.iter = call("_wb_loop", [node.iter], node.lineno)
            return node

        def visit_Concat(self, node):
            return call("_wb_concat", self.generic_visit(node).nodes, node.lineno)

    return Rewrite().visit(tree)
