"""Settings: where data and configs live, which engine and backends to use.

Read from ``WORKBENCH_*`` environment variables, then an optional YAML file; constructor
arguments win. Secrets are never stored here: only the *name* of the environment variable that
holds an API key.

>>> from workbench.settings import Settings
>>> Settings(engine="pandas").engine
'pandas'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from workbench.cluster import BACKENDS, DEFAULT_BACKEND
from workbench.errors import ConfigError

EmbeddingBackend = Literal[tuple(BACKENDS)]  # the one registry of embedding backends


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: Path = Path("data")
    config_dir: Path = Path("configs")
    cache_dir: Path = Path(".workbench-cache")
    engine: Literal["pandas", "dask"] = "pandas"
    dask_address: str | None = None
    embedding_backend: EmbeddingBackend = DEFAULT_BACKEND
    embedding_model: str | None = None
    embedding_base_url: str | None = None
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key_env: str = "OPENAI_API_KEY"
    max_upload_mb: int = 200

    @classmethod
    def from_env(cls, path: str | os.PathLike | None = None, **overrides) -> Settings:
        """Settings from ``WORKBENCH_<FIELD>`` variables, then YAML ``path``, then ``overrides``."""
        values: dict = {}
        for name in cls.model_fields:
            env = os.environ.get(f"WORKBENCH_{name.upper()}")
            if env is not None:
                values[name] = env
        if path is not None:
            values.update(_read_yaml(path))
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ConfigError(
                err["msg"],
                file=str(path) if path else "settings",
                key=".".join(map(str, err["loc"])),
                allowed=err.get("ctx", {}).get("expected"),
            ) from None

    def api_key(self) -> str | None:
        """The API key from the environment variable named by ``llm_api_key_env``."""
        return os.environ.get(self.llm_api_key_env)


def _read_yaml(path: str | os.PathLike) -> dict:
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read settings: {exc}", file=str(path)) from None
    if not isinstance(data, dict):
        raise ConfigError("settings must be a mapping of key: value", file=str(path))
    return data
