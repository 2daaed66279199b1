"""The root conftest: loads the shared set-up in ``tests/support`` for every test folder.

Fixtures live once in ``tests/support`` (issue #13) rather than in each folder's
conftest; ``bench/`` and ``deploy/hub.py`` import its pytest-free parts too.
"""

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
