"""Set-up shared by every test folder, ``bench/`` and ``deploy/hub.py`` (issue #13).

Written once here so that a fix (a Chromium flag, a PostgreSQL option, a field of the
test framework) reaches every place that starts the program or builds the data.

* :mod:`tests.support.programs`: external programs without pytest (a throwaway
  PostgreSQL cluster, Chromium's launch flags, free ports), also for bench/ and deploy/.
* :mod:`tests.support.data`: the small test framework and partnerships as plain data,
  written as YAML.
* :mod:`tests.support.xlsx`: return files as older versions of the workbook wrote them.
* :mod:`tests.support.colours`: WCAG contrast, for the theme's and the shipped scales'
  colours.
* :mod:`tests.support.kernels`: code run in a kernel a test started, and coroutines
  run from a test (in a thread of their own, beside Playwright's event loop).
* :mod:`tests.support.factories`, :mod:`tests.support.servers`,
  :mod:`tests.support.browser`: the pytest fixtures, loaded by ``pytest_plugins`` in the
  root ``tests/conftest.py``.
"""
