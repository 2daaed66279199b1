"""The root conftest: loads the shared set-up in ``tests/support`` for every test folder.

Fixtures live once in ``tests/support`` (issue #13) rather than in each folder's
conftest; ``bench/`` and ``deploy/hub.py`` import its pytest-free parts too.
"""

import pytest

pytest_plugins = [
    "tests.support.servers",
    "tests.support.browser",
    "tests.support.factories",
]

# Helper modules and conftests, not tests: --doctest-modules (pyproject.toml) would import
# them as test modules of their own (tests.support would load twice, as "support" too, and
# every conftest as "conftest"). Conftests still load as conftests.
collect_ignore_glob = [
    "conftest.py",
    "*/conftest.py",
    "support/*.py",
    "corpus/support.py",
    "notebooks/refresh_outputs.py",
    "core/concurrency_worker.py",
    "core/analysis_frames.py",
]


SERVER_TESTS = (
    "tests/browser/",
    "tests/test_serve.py",
    "tests/deploy/test_hub.py",
    "tests/deploy/test_standalone.py",
)
"""Where the tests that start Voila (with its pools of preheated kernels) or JupyterHub live."""


@pytest.hookimpl(tryfirst=True)  # before xdist's own scheduler is made
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """On two workers (``make test``), the server tests run one after another on one worker.

    Two Voila servers starting at once on two cores start a dozen kernels together and
    starve both workers, so every server test is one scope, which xdist's loadscope
    scheduler hands to a single worker while the other takes the rest of the suite; the
    two fifty-process crowds of ``test_concurrency.py`` share a scope for the same reason.
    Every other test is a scope of its own, spread as ``--dist load`` spreads them. (The
    ``xdist_group`` mark would say this more simply, but ``--dist loadgroup`` groups
    nothing under pytest 9.2: pytest-xdist issue #1386.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class ServersTogether(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith(SERVER_TESTS):
                return "servers"
            if nodeid.startswith("tests/core/test_concurrency.py::"):
                return "concurrency"
            return nodeid

    return ServersTogether(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep :data:`SERVER_TESTS` true: a browser test elsewhere would run beside another."""
    for item in items:
        if item.get_closest_marker("browser") and not item.nodeid.startswith(SERVER_TESTS):
            raise pytest.UsageError(
                f"{item.nodeid} is marked browser but is not under {SERVER_TESTS} "
                "(tests/conftest.py): move it, or add its place there"
            )
