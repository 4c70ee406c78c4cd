"""Scan evaluation: scanner reports (SARIF, npm audit, OSV) and the built app's own checks, to one finding model and one gate."""
