"""Browser tests of the page (a package, so its conftest does not shadow tests/conftest.py)."""
