"""Benchmarks, run with one command: ``python -m benchmarks`` (``make bench``)."""
