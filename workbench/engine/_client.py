"""Engine choice and the ``distributed`` client.

:func:`client` returns a ``distributed.Client``: connected to ``address`` (or
``Settings.dask_address``) when one is given, else to a new ``LocalCluster`` on this machine.
The client becomes dask's default scheduler, so every ``.compute()`` after it runs on the cluster.

>>> resolve_engine(None, settings=None) in ENGINES
True
>>> is_dask([1, 2])
False
"""

from __future__ import annotations

from typing import Any

from workbench.errors import ConfigError, MissingDependencyError

ENGINES = ("pandas", "dask")


def resolve_engine(engine: str | None = None, settings: Any = None) -> str:
    """``engine`` if given, else ``settings.engine`` (default: ``Settings.from_env()``)."""
    if engine is None:
        if settings is None:
            from workbench.settings import Settings

            settings = Settings.from_env()
        engine = settings.engine
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}", key="engine", allowed=list(ENGINES))
    return engine


def is_dask(frame: Any) -> bool:
    """True for a dask DataFrame or Series (checked without importing dask)."""
    return type(frame).__module__.split(".")[0] in ("dask", "dask_expr")


def _require_dask() -> None:
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(
            f"the dask engine needs dask and distributed ({exc}); "
            "install them with: pip install 'dask[dataframe]' distributed"
        ) from None


def client(
    settings: Any = None,
    address: str | None = None,
    *,
    n_workers: int | None = None,
    threads_per_worker: int | None = None,
    memory_limit: str | float | None = "auto",
    processes: bool = True,
    dashboard_address: str | None = ":0",
    **cluster_kwargs: Any,
):
    """A ``distributed.Client`` for the dask engine.

    Parameters
    ----------
    settings : Settings, optional
        ``settings.dask_address`` is used when ``address`` is not given.
    address : str, optional
        Scheduler address of an existing cluster (``"tcp://scheduler:8786"``). Without one a
        ``distributed.LocalCluster`` is started on this machine with the keyword arguments below;
        closing the client (``client.close()`` or a ``with`` block) also closes that cluster.
    n_workers, threads_per_worker, memory_limit, processes, dashboard_address, **cluster_kwargs
        Passed to ``LocalCluster`` (ignored with an address). ``memory_limit`` is per worker
        (``"2GB"``): a worker over it spills to disk, then is restarted by its nanny.

    Examples
    --------
    >>> from workbench.engine import client
    >>> with client(n_workers=1, threads_per_worker=1, processes=False) as c:  # doctest: +SKIP
    ...     c.submit(sum, [1, 2]).result()
    3
    """
    _require_dask()
    from distributed import Client, LocalCluster

    if address is None and settings is not None:
        address = getattr(settings, "dask_address", None)
    if address:
        try:
            return Client(address)
        except OSError as exc:
            raise ConfigError(
                f"cannot reach the dask scheduler at {address!r} ({exc}); check the address "
                "and that the scheduler runs, or leave dask_address empty for a local cluster",
                key="dask_address",
            ) from None
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=threads_per_worker,
        memory_limit=memory_limit,
        processes=processes,
        dashboard_address=dashboard_address,
        **cluster_kwargs,
    )
    c = Client(cluster)
    # the client owns its LocalCluster: closing the client closes the cluster too
    c._workbench_cluster = cluster
    _close = c.close

    def close(*args: Any, **kwargs: Any) -> Any:
        out = _close(*args, **kwargs)
        cluster.close()
        return out

    c.close = close
    return c
