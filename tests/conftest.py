"""Shared test set-up. Its presence also puts tests/ on sys.path, so test modules can import
the small helpers in tests/cli_helpers.py."""
