"""Adapters to AWS and the stores; each takes an injectable client."""
