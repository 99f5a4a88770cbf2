"""Browser tests of the course served by Voila (see conftest.py and helpers.py)."""
