"""An app config (prompts, context, model settings, guard policy) and an experiment's arm of one.

Kept apart from the experiment spec so the deployment runtime can render an arm's messages
without building the spec's models.

>>> arm = ArmConfig(name="control", system_prompt="You help.", prompt_template="Q: {{ input }}")
>>> arm.render_messages("Where is my order?")
[{'role': 'system', 'content': 'You help.'}, {'role': 'user', 'content': 'Q: Where is my order?'}]
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_serializer,
)

import workbench._columns as S
from workbench.errors import ConfigError
from workbench.experiments._template import check_syntax, render


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelSettings(_Base):
    """Model name and sampling parameters sent to the provider, plus prices for cost accounting."""

    name: str = "demo-model"
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(512, gt=0)
    top_p: float | None = Field(None, gt=0.0, le=1.0)
    price_in_per_1k: float = Field(0.0, ge=0.0)
    price_out_per_1k: float = Field(0.0, ge=0.0)


class ContextSettings(_Base):
    """What retrieved context the prompt gets: how many passages and which fields."""

    top_k: int = Field(3, ge=0)
    fields: list[str] = Field(default_factory=lambda: [S.CONTEXT])
    max_chars: int | None = Field(None, gt=0)


class AppConfig(_Base):
    """What a deployment reads: prompts, context and model settings, and the guard policy."""

    description: str = ""
    system_prompt: str = ""
    prompt_template: str = "{{ input }}"
    context: ContextSettings = Field(default_factory=ContextSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)
    #: guard policy file the deployment checks answers with (relative to the config dir)
    policy: str | None = None

    @field_validator("prompt_template")
    @classmethod
    def _template_compiles(cls, value: str) -> str:
        from jinja2 import TemplateSyntaxError

        try:
            check_syntax(value)
        except TemplateSyntaxError as exc:
            raise ValueError(f"prompt_template is not valid Jinja2: {exc}") from None
        return value

    #: how errors name this config, and the key prefix they give
    _label: ClassVar[str] = "config"
    _key: ClassVar[str] = "config"

    def render_prompt(
        self, user_input: str, context: list[str] | str | None = None, **extra: Any
    ) -> str:
        """Render the user message from the template in a bounded sandbox (``StrictUndefined``).

        Any failure while rendering (an undefined name, a sandbox refusal, a size or loop limit,
        a type error in an expression) is a :class:`ConfigError` naming the config.
        """
        passages = _passages(context, self.context)
        try:
            return render(self.prompt_template, input=user_input, context=passages, **extra)
        except Exception as exc:  # the template is user code: every failure is the config's
            raise ConfigError(
                f"cannot render prompt_template of {self._label}: "
                f"{getattr(exc, 'reason', None) or exc}",
                key=f"{self._key}.prompt_template",
                allowed="variables: input, context, and extra fields",
            ) from None

    def render_messages(
        self, user_input: str, context: list[str] | str | None = None, **extra: Any
    ) -> list[dict[str, str]]:
        """Chat messages: the system prompt (when set) and the rendered user message."""
        messages = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        messages.append(
            {"role": "user", "content": self.render_prompt(user_input, context, **extra)}
        )
        return messages


class ArmConfig(AppConfig):
    """One arm of an experiment: a named :class:`AppConfig` (what a deployment reads)."""

    name: str = Field(..., min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")

    @model_serializer(mode="wrap")
    def _name_first(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        return {"name": data.pop("name"), **data} if "name" in data else data

    @property
    def _label(self) -> str:  # type: ignore[override]
        return f"arm '{self.name}'"

    @property
    def _key(self) -> str:  # type: ignore[override]
        return self.name

    def config_dict(self) -> dict[str, Any]:
        """The deployment-relevant part (everything but the arm's name)."""
        return self.model_dump(exclude={"name"}, mode="json")

    def app_config(self) -> AppConfig:
        """The arm without its name: what promotion writes as a deployment config."""
        return AppConfig(**self.config_dict())


def _config_error(exc: ValidationError, file: str) -> ConfigError:
    err = exc.errors()[0]
    ctx = err.get("ctx", {}) or {}
    allowed = ctx.get("expected") or ctx.get("pattern")
    return ConfigError(
        err["msg"], file=file, key=".".join(map(str, err["loc"])) or None, allowed=allowed
    )


def _passages(context: list[str] | str | None, settings: ContextSettings) -> list[str]:
    if context is None:
        return []
    items = [context] if isinstance(context, str) else [str(c) for c in context]
    items = items[: settings.top_k]
    if settings.max_chars is not None:
        items = [c[: settings.max_chars] for c in items]
    return items
