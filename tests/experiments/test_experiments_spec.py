"""ExperimentSpec: YAML round trip, errors naming file and key, sandboxed templates, refs."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import ConfigError
from workbench.experiments import ExperimentSpec

REPO = Path(__file__).resolve().parents[2]
MINIMAL = """
name: t
baseline: {name: a, system_prompt: Help.}
variants: [{name: b, system_prompt: Help briefly.}]
primary: {kind: validator, name: pii}
"""


def test_yaml_round_trip(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(MINIMAL)
    spec = ExperimentSpec.from_yaml(p)
    spec.to_yaml(tmp_path / "again.yaml")
    assert ExperimentSpec.from_yaml(tmp_path / "again.yaml") == spec
    assert spec.primary.column == "rule__pii"


@pytest.mark.parametrize(
    "bad,key",
    [
        ("alpha: 2", "alpha"),
        ("primary: {kind: vibes}", "primary.kind"),
        ("correction: magic", "correction"),
        ("split: {a: 1}", "split"),
        ("extra_key: 1", "extra_key"),
    ],
)
def test_errors_name_file_and_key(tmp_path, bad, key):
    p = tmp_path / "bad.yaml"
    text = (
        MINIMAL.replace("primary: {kind: validator, name: pii}", "")
        if "primary" in bad
        else MINIMAL
    )
    p.write_text(text + bad + "\n" + ("" if "primary" not in bad else ""))
    with pytest.raises(ConfigError) as err:
        ExperimentSpec.from_yaml(p)
    assert str(p) in str(err.value)
    assert key.split(".")[0] in str(err.value)


def test_allowed_values_are_listed(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(MINIMAL + "paired: maybe\n")
    with pytest.raises(ConfigError, match=r"allowed: 'auto', 'yes' or 'no'"):
        ExperimentSpec.from_yaml(p)


def test_template_is_sandboxed_and_strict():
    spec = ExperimentSpec.model_validate(
        {
            "name": "t",
            "baseline": {"name": "a", "prompt_template": "Q: {{ input }} {{ typo }}"},
            "variants": [
                {
                    "name": "b",
                    "prompt_template": "{{ input.__class__.__mro__[1].__subclasses__() }}",
                }
            ],
            "primary": {"kind": "policy"},
        }
    )
    with pytest.raises(ConfigError, match="typo"):
        spec.baseline.render_prompt("hi")
    with pytest.raises(ConfigError, match="cannot render"):
        spec.variants[0].render_prompt("hi")
    with pytest.raises(ConfigError, match="not valid Jinja2"):
        ExperimentSpec.from_dict(
            {
                "name": "t",
                "baseline": {"name": "a", "prompt_template": "{%"},
                "variants": [{"name": "b"}],
                "primary": {"kind": "policy"},
            }
        )


def test_context_settings_shape_the_prompt():
    spec = ExperimentSpec.model_validate(
        {
            "name": "t",
            "primary": {"kind": "policy"},
            "baseline": {
                "name": "a",
                "context": {"top_k": 2, "max_chars": 5},
                "prompt_template": "{% for c in context %}[{{ c }}]{% endfor %} {{ input }}",
            },
            "variants": [{"name": "b"}],
        }
    )
    assert spec.baseline.render_prompt("q", ["alpha-one", "beta", "gamma"]) == "[alpha][beta] q"


def test_example_specs_load_with_config_refs():
    for path in sorted((REPO / "data" / "experiments").glob("*.yaml")):
        spec = ExperimentSpec.from_yaml(path)
        assert spec.baseline.name == "control"
        assert spec.baseline.system_prompt.startswith("You are ShopBot")
