"""Shared pytest set-up: the running-stack fixtures (started only by the tests that ask for them)
and the fake Telegram Bot API's.

The project root is on the import path through `pythonpath` in pyproject.toml.
"""

pytest_plugins = ("tests.fakes.telegram", "tests.stack")
