"""Code run in a kernel started by a test (the pages' kernel, forked or not)."""

from __future__ import annotations

from typing import Any

from jupyter_client import KernelManager


def run_code(manager: KernelManager, code: str, timeout: float = 60) -> str:
    """What ``code`` prints in ``manager``'s kernel, then the name of any error it raised."""
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=timeout)
        shown: list[str] = []

        def keep(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "stream":
                shown.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                shown.append(msg["content"]["ename"])

        client.execute_interactive(code, timeout=timeout, output_hook=keep)
        return "".join(shown)
    finally:
        client.stop_channels()
