"""Support code for the tests: helpers, servers and data they share; no tests here.

The driver of a real Anki (started through the CLI) is ``bench/anki_process.py``,
shared with the benchmarks.
"""
