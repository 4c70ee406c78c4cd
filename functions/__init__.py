"""Lambda handlers: one package per function, each a thin `app.handler`."""
