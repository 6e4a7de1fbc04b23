"""Benchmarks and the reliability suite (``python -m benchmarks.reliability``)."""
