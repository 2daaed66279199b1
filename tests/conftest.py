"""The root conftest: loads the shared set-up in ``tests/support`` for every test folder.

Fixtures live once in ``tests/support`` (issue #13) rather than in each folder's
conftest; ``bench/`` and ``deploy/hub.py`` import its pytest-free parts too.
"""

pytest_plugins = [
    "tests.support.servers",
    "tests.support.browser",
    "tests.support.factories",
]
