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
from contextvars import ContextVar
from typing import Any, Literal

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from pydantic import BaseModel, TypeAdapter, ValidationError

from capstan.errors import InvalidInput
from capstan.models.common import first_error
from capstan.models.events import MAX_EVENT_BYTES
from capstan.observability import logger, metrics, tracer
from capstan.ports import Ports, default_ports

# Longer than EventBridge's 24 h redelivery window, as the reliability rules ask.
IDEMPOTENCY_TTL_S = 48 * 3600
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


def _dump(result: Any) -> Any:
    return result.model_dump(mode="json", by_alias=True) if isinstance(result, BaseModel) else result


def _once(function: str, key: str, event: Any, context: Any, ports: Ports, call: Callable[[], Any]) -> Any:
    """Run `call` once per business key: a retry or a redelivery gets the first result back, not a second side effect.

    The key is the business request (release and store, rollout step, rollback); the input's digest rides along
    as the payload Powertools validates, so the same key with a different input is an error, not a cache hit.
    """
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="payload",
        expires_after_seconds=IDEMPOTENCY_TTL_S,
        raise_on_no_idempotency_key=True,
    )
    if hasattr(context, "get_remaining_time_in_millis"):
        config.register_lambda_context(context)
    run = idempotent_function(
        lambda key_data: _dump(call()),
        data_keyword_argument="key_data",
        persistence_store=ports.idempotency(),
        config=config,
        key_prefix=f"capstan.{function}",
    )
    return run(key_data={"key": key, "payload": input_digest(event)})


def task(
    model: Any, on_invalid: Literal["raise", "return"] = "raise", once_per: Callable[[Any], str] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a step into a Lambda handler that validates its input against `model` (a model or a union).

    With `once_per`, the step's side effects happen once per the business key it returns.
    """
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
                if once_per is None:
                    return _dump(step(parsed, ports))
                return _once(function, once_per(parsed), event, context, ports, lambda: step(parsed, ports))
            except InvalidInput as exc:
                record_refusal(ports, function, str(exc), event)
                if on_invalid == "raise":
                    raise
                return {"status": "refused", "reason": str(exc)}

        handler.acts_once = once_per is not None  # read by infra/access.py's test: such functions need the idempotency table
        return handler

    return wrap


_API_PORTS: ContextVar[Ports | None] = ContextVar("capstan_api_ports", default=None)


def api_ports() -> Ports:
    """The ports of the API request being handled (a test's own, or the process's)."""
    return _API_PORTS.get() or default_ports()


def api(resolver: Any) -> Callable[..., Any]:
    """The Lambda handler of an API Gateway function: the same logging, tracing and metrics as every task."""

    @logger.inject_lambda_context(log_event=False, clear_state=True)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def handler(event: dict, context: Any, ports: Ports | None = None) -> dict:
        reset = _API_PORTS.set(ports)
        try:
            return resolver.resolve(event, context)
        finally:
            _API_PORTS.reset(reset)

    return handler
