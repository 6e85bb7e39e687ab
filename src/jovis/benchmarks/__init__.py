"""Benchmarks behind `scripts/benchmark.py suite=...`: numbers anyone can rerun."""
