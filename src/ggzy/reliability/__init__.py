"""Reliability tests: crash safety, confidentiality, the authorization matrix and API fuzzing.

Tests only (no models, no app entry). The live-server harness in `tests/harness.py` is shared with the
benchmarks in `benchmarks/`.
"""
