"""The local event router: applies the deployed rule patterns (capstan.rules) and calls each rule's target in-process.

moto's EventBridge does not start Lambda or Step Functions targets, so this stands in
for the bus; it matches with moto's own pattern matcher.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.events.models import EventPattern

from capstan.rules import ALL_RULES, EventRule


@dataclass(frozen=True)
class Delivery:
    rule: str
    target: str
    result: Any


class EventRouter:
    def __init__(self, invoke: Callable[[str, Any], Any], rules: tuple[EventRule, ...] = ALL_RULES):
        self._invoke = invoke
        self._rules = [(rule, EventPattern.load(json.dumps(rule.pattern))) for rule in rules]

    def matching(self, event: dict[str, Any]) -> list[EventRule]:
        return [rule for rule, pattern in self._rules if pattern.matches_event(event)]

    def put(self, event: dict[str, Any]) -> list[Delivery]:
        """Deliver an event to every rule it matches; an event no rule matches is delivered nowhere."""
        return [Delivery(rule.name, rule.target, self._invoke(rule.target, event)) for rule in self.matching(event)]
