"""Code run in a kernel started by a test (the pages' kernel, forked or not), and
coroutines run from a test."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

from jupyter_client import KernelManager

T = TypeVar("T")


def in_a_thread(call: Callable[[], T]) -> T:
    """``call()`` in a thread of its own, where no event loop runs: in the full suite
    Playwright's sync API keeps one running in the tests' thread (asyncio.run() refuses
    to start there, and code that asks for the running loop finds Playwright's)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)`` in a thread of its own (:func:`in_a_thread`)."""
    return in_a_thread(lambda: asyncio.run(coroutine))


@contextlib.contextmanager
def _ready(manager: KernelManager, timeout: float) -> Iterator[Any]:
    """A client of ``manager``'s kernel, once the kernel answers; its channels stop after."""
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=timeout)
        yield client
    finally:
        client.stop_channels()


def _run(client: Any, code: str, timeout: float) -> str:
    """What ``code`` prints, then the name of any error it raised."""
    shown: list[str] = []

    def keep(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream":
            shown.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            shown.append(msg["content"]["ename"])

    client.execute_interactive(code, timeout=timeout, output_hook=keep)
    return "".join(shown)


def run_code(manager: KernelManager, code: str, timeout: float = 60) -> str:
    """What ``code`` prints in ``manager``'s kernel, then the name of any error it raised."""
    with _ready(manager, timeout) as client:
        return _run(client, code, timeout)


CONTROL_VERSION = {"version": "1.0.0"}
"""The control comm's protocol version a front end sends when it opens it."""


def widget_states(manager: KernelManager, code: str, timeout: float = 60) -> tuple[str, set[str]]:
    """Run ``code``, then ask for every widget's state as a page's front end first does.

    Returns what ``code`` printed and the model ids in the kernel's ``update_states``
    answer to ``request_states`` on the control comm (:data:`widgets.later.CONTROL_TARGET`);
    no ids if the kernel closed the comm instead (no such target registered), which sends
    a front end back to asking for each widget in turn.
    """
    from widgets.later import CONTROL_TARGET

    with _ready(manager, timeout) as client:
        printed = _run(client, code, timeout)
        comm_id = uuid.uuid4().hex
        opened = {"comm_id": comm_id, "target_name": CONTROL_TARGET, "data": {}}
        asked = {"comm_id": comm_id, "data": {"method": "request_states"}}
        client.shell_channel.send(client.session.msg("comm_open", opened, metadata=CONTROL_VERSION))
        client.shell_channel.send(client.session.msg("comm_msg", asked))
        deadline = time.monotonic() + timeout
        while True:
            msg = client.get_iopub_msg(timeout=max(deadline - time.monotonic(), 0.1))
            content = msg["content"]
            if content.get("comm_id") != comm_id:
                continue
            if msg["msg_type"] == "comm_close":
                return printed, set()
            if msg["msg_type"] == "comm_msg" and content["data"].get("method") == "update_states":
                return printed, set(content["data"]["states"])


class CommTargets:
    """A comm manager that records the targets registered with it, by name."""

    def __init__(self) -> None:
        self.targets: dict[str, Any] = {}

    def register_target(self, name: str, handler: Any) -> None:
        self.targets[name] = handler


class Comm:
    """A comm as ipywidgets' control target is given it: what handles its messages."""

    def __init__(self) -> None:
        self.handler: Any = None

    def on_msg(self, handler: Any) -> None:
        self.handler = handler

    def receive(self, method: str) -> None:
        """A message from the front end, e.g. ``request_states``."""
        self.handler({"content": {"data": {"method": method}}})


def first_render(monkeypatch: Any) -> CommTargets:
    """Make this process a Voilà page's kernel before its front end has connected
    (``widgets.later`` defers work until the front end asks); the manager it registers with."""
    from widgets import later

    manager = CommTargets()
    monkeypatch.setenv("VOILA_PREHEAT", "False")  # what Voilà sets for a page it starts
    monkeypatch.setattr("ipywidgets.comm.get_comm_manager", lambda: manager)
    monkeypatch.setattr(later, "_state", {"settled": False, "installed": False, "shown": False})
    monkeypatch.setattr(later, "_pending", [])
    monkeypatch.setattr(later, "_after_page", [])
    return manager
