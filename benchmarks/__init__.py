"""Benchmarks of contract_rules; each prints ratios against a baseline run in the same process."""
