"""Servers on loopback for the tests: a free port, waiting until a server answers, stopping it."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from dataclasses import dataclass

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read()}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready within {timeout} s")


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    args: list

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, sig=signal.SIGTERM) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            try:
                _, err = self.proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:  # killed, but a child still holds its pipes
                raise AssertionError(f"{self.args}: a child process outlived the server") from None
        return err or ""
