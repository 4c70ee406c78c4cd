"""The step functions the handlers call: each takes a validated model and the ports, and returns a model."""
