"""Capstan core: the contracts, decisions and adapters that the Lambda handlers share."""
