"""Loaded before Django by pytest (`-p ggzy.pytest_plugin` in pyproject.toml): the suite runs with the
development settings (GGZY_DEBUG=1) unless the environment says otherwise. Production is the default for
every other start (settings.py); the production settings themselves are tested in web/tests/test_production.py."""

import os

os.environ.setdefault("GGZY_DEBUG", "1")
