"""``python -m workbook.cli``: the ``workbook`` command without its console script."""

from workbook.cli import main

if __name__ == "__main__":  # importing it (as tests/core/test_purity.py does) runs nothing
    main()
