"""Issue 18 item 1: each shared concept is named once, in ``workbench/_columns.py`` (re-exported
by ``workbench.schema``), and no other module spells it again."""

from __future__ import annotations

import ast
from pathlib import Path

import workbench.schema as S

ROOT = Path(__file__).resolve().parents[2] / "workbench"
HOME = {ROOT / "_columns.py", ROOT / "schema.py"}

# names that must not be (re)assigned at module level outside their home
SHARED = {"POLICY", "POLICY_RULE", "POLICY_COLUMN", "OUTLIER", "OUTLIER_TOPIC", "NOT_CLUSTERED"}
# literals that spell a shared concept in code (docstring examples may show the value)
SPELLED = {"rule__policy"}


def _module_assignments(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def test_shared_concepts_have_one_definition():
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path in HOME:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        literals = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)} & SPELLED
        clash = (_module_assignments(tree) & SHARED) | literals
        if clash:
            offenders.append(f"{path.relative_to(ROOT)}: {sorted(clash)}")
    assert not offenders, offenders


def test_shared_values():
    assert S.POLICY_RULE == S.RULE_PREFIX + S.POLICY == "rule__policy"
    assert S.OUTLIER_TOPIC == -1 and S.NOT_CLUSTERED == -2


def test_one_app_config_model():
    from workbench.experiments import AppConfig, ArmConfig, DeploymentConfig

    assert issubclass(ArmConfig, AppConfig)
    assert DeploymentConfig.model_fields["config"].annotation is AppConfig
    arm = ArmConfig(name="b", system_prompt="Hi.")
    assert next(iter(arm.model_dump())) == "name"
    assert arm.app_config() == AppConfig(system_prompt="Hi.")
