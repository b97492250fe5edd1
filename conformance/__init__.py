"""Conformance suites for MCP proxies: cases (cases/), adapters, baseline, report."""
