"""AI provider endpoints called straight from the app's client code, rather than through the app's own backend."""

from __future__ import annotations

import re
from dataclasses import dataclass

AI_HOSTS = frozenset(
    {
        "api.openai.com",
        "api.anthropic.com",
        "generativelanguage.googleapis.com",
        "aiplatform.googleapis.com",
        "api-inference.huggingface.co",
        "router.huggingface.co",
        "api.mistral.ai",
        "api.groq.com",
        "api.cohere.ai",
        "api.cohere.com",
        "api.together.xyz",
        "api.deepseek.com",
        "api.x.ai",
        "api.perplexity.ai",
        "openrouter.ai",
    }
)
AI_HOST_SUFFIXES = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")
# What a request that carries a provider key looks like near its URL (headers, query keys, SDK options).
KEY_MARKERS = (b"Authorization", b"Bearer ", b"x-api-key", b"api-key", b"x-goog-api-key", b"key=", b"apiKey", b"api_key")
BROWSER_OPT_IN = re.compile(rb"dangerouslyAllowBrowser[\"']?\s*:\s*(?:!0|true)")
_URL = re.compile(rb"://")
_HOST = re.compile(rb"(?:\$\{[^}]{0,80}\})?([A-Za-z0-9.-]{1,253})")
_WINDOW = 1500


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str
    start: int
    with_key: bool


def find_ai_endpoints(data: bytes, has_secret: bool = False) -> list[Endpoint]:
    """AI provider URLs in `data`; `with_key` when a key travels with the call (a header or option nearby, the
    SDK's browser opt-in, or a credential found in the same file)."""
    found: list[Endpoint] = []
    opted_in: bool | None = None
    for m in _URL.finditer(data):
        host_match = _HOST.match(data, m.end())
        if not host_match:
            continue
        host = host_match.group(1).decode().lower().strip(".")  # `${resource}.openai.azure.com` leaves a dot
        if not (host in AI_HOSTS or host.endswith(AI_HOST_SUFFIXES) or ("." + host).endswith(AI_HOST_SUFFIXES)):
            continue
        if opted_in is None:
            opted_in = BROWSER_OPT_IN.search(data) is not None
        window = data[max(0, m.start() - _WINDOW) : m.end() + _WINDOW]
        with_key = has_secret or opted_in or any(marker in window for marker in KEY_MARKERS)
        found.append(Endpoint(host, m.start(), with_key))
    return found
