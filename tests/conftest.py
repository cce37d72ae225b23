"""Shared pytest set-up: makes the project's `bot` package importable and loads the stack fixtures."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The running-stack fixtures (started only by the tests that ask for them).
pytest_plugins = ("tests.stack",)
