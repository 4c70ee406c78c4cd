"""The one decorator stack of every handler: logging, tracing, metrics, input validation and refusal records.

A handler is `task(InputModel)(step)` over a step `(parsed_input, ports) -> model`.
Bad input is refused with a one-line error naming the field and the reason, after
one ledger entry records it; the raw event is never logged. Steps started by the
workflow raise `InvalidInput` (the state fails with that error); entry points fed
by EventBridge return the refusal instead, since redelivering bad input cannot help.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter, ValidationError

from capstan.errors import InvalidInput
from capstan.models.common import first_error
from capstan.models.events import MAX_EVENT_BYTES
from capstan.observability import logger, metrics, tracer
from capstan.ports import Ports, default_ports

# EventBridge caps an entry at 256 KB and Step Functions a state at 256 KB: nothing legitimate is larger.
MAX_INPUT_BYTES = MAX_EVENT_BYTES


def input_digest(event: Any) -> str:
    """A digest of an input, so the ledger can tell repeats apart without storing the input."""
    return hashlib.sha256(json.dumps(event, sort_keys=True, default=str).encode()).hexdigest()


def record_refusal(ports: Ports, function: str, error: str, event: Any) -> None:
    digest = input_digest(event)
    ports.ledger.append(
        f"refused#{function}",
        "refused",
        ports.clock(),
        {"function": function, "error": error, "input_sha256": digest},
        entry_key=f"input#{digest}",
    )
    metrics.add_metric(name="InputRefused", unit="Count", value=1)
    logger.warning("input refused", extra={"function": function, "error": error})


def task(model: Any, on_invalid: Literal["raise", "return"] = "raise") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a step into a Lambda handler that validates its input against `model` (a model or a union)."""
    adapter = TypeAdapter(model)

    def wrap(step: Callable[..., Any]) -> Callable[..., Any]:
        function = step.__name__

        @logger.inject_lambda_context(log_event=False, clear_state=True)
        @tracer.capture_lambda_handler(capture_response=False)
        @metrics.log_metrics
        @functools.wraps(step)
        def handler(event: Any, context: Any, ports: Ports | None = None) -> Any:
            ports = ports or default_ports()
            logger.append_keys(step=function)
            try:
                size = len(json.dumps(event, default=str))
                if size > MAX_INPUT_BYTES:
                    raise InvalidInput(f"event: {size} bytes is over the {MAX_INPUT_BYTES}-byte limit")
                try:
                    parsed = adapter.validate_python(event)
                except ValidationError as exc:
                    raise InvalidInput(first_error(exc)) from None
                result = step(parsed, ports)
            except InvalidInput as exc:
                record_refusal(ports, function, str(exc), event)
                if on_invalid == "raise":
                    raise
                return {"status": "refused", "reason": str(exc)}
            return result.model_dump(mode="json", by_alias=True) if isinstance(result, BaseModel) else result

        return handler

    return wrap
