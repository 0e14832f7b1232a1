"""The LLM provider chain: Groq, then optional fallbacks, each behind a circuit breaker.

- Retries are the provider SDK's own (groq / openai): they honour `retry-after`, back off
  exponentially with jitter, and happen before any token is read, so a stream is never
  retried silently. `LLM_MAX_RETRIES` (default 2) bounds them to 3 attempts per provider;
  nothing else retries (LangChain's `with_retry` cannot stream), so attempts never multiply.
  Groq's 498 (capacity) is made retryable like 429 through the SDK's `x-should-retry` header.
- Fallbacks are LangChain's `with_fallbacks`: a provider that fails before its first chunk
  hands over to the next; a failure after it propagates (the answer service ends the stream).
- Each provider has a `pybreaker` circuit breaker: after `BREAKER_FAIL_MAX` consecutive
  failures it fails fast (no network call) for `BREAKER_RESET_SECONDS`, then lets one trial
  call through. 4xx answers other than 429 are the caller's fault and do not count. With
  `REDIS_URL` the breaker state lives in Redis, shared by every worker.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pybreaker
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk
from langchain_core.runnables import Runnable, RunnableGenerator

from chatgepeto.observability.logging import get_logger
from chatgepeto.observability.metrics import LLM_BREAKER_OPEN
from chatgepeto.settings import Settings

log = get_logger(__name__)


# The monotonic time by which the current answer must be done with LLM calls.
DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "llm_deadline", default=None
)


class BudgetExhausted(Exception):
    """The answer's time budget for LLM calls is spent."""


class StreamEndedEarly(Exception):
    """The provider's stream ended without saying it had finished (no `finish_reason`).

    The SDKs end their iteration quietly when the connection closes cleanly before `[DONE]`,
    or leave out half an SSE line at the end: without this check a truncated answer would be
    presented as a complete one.
    """


def remaining_budget() -> float | None:
    deadline = DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()


@dataclass(frozen=True)
class ProviderChunk:
    """A streamed chunk, tagged with the provider and model that produced it."""

    provider: str
    model: str
    chunk: AIMessageChunk


def status_code(exc: BaseException) -> int | None:
    code = getattr(exc, "status_code", None)
    if code is None:
        code = getattr(getattr(exc, "response", None), "status_code", None)
    return code if isinstance(code, int) else None


def _is_callers_fault(exc: BaseException) -> bool:
    """4xx other than 429 (and Groq's 498): a bad request, not a sick provider."""
    code = status_code(exc)
    return code is not None and 400 <= code < 500 and code not in (408, 429, 498)


class _BreakerGauge(pybreaker.CircuitBreakerListener):
    def state_change(self, cb: pybreaker.CircuitBreaker, old_state: Any, new_state: Any) -> None:
        LLM_BREAKER_OPEN.labels(cb.name).set(1 if new_state.name == "open" else 0)
        log.warning("breaker_state", provider=cb.name, state=new_state.name)


@dataclass
class Provider:
    name: str
    model: str
    chat: BaseChatModel
    breaker: pybreaker.CircuitBreaker
    timeout: httpx.Timeout

    @property
    def breaker_state(self) -> str:
        return str(self.breaker.current_state)

    def stream(self, inputs: Iterator[Any]) -> Iterator[ProviderChunk]:
        """Stream the model's answer through the breaker (open: fails at once)."""
        for prompt in inputs:
            remaining = remaining_budget()
            if remaining is not None and remaining <= 0:
                raise BudgetExhausted(f"no time left to ask {self.name}")
            kwargs = {}
            if remaining is not None:
                # No single wait may outlast the budget either.
                kwargs["timeout"] = httpx.Timeout(
                    connect=min(self.timeout.connect or remaining, remaining),
                    read=min(self.timeout.read or remaining, remaining),
                    write=min(self.timeout.write or remaining, remaining),
                    pool=min(self.timeout.pool or remaining, remaining),
                )
            with self.breaker.calling():
                started = finished = False
                for chunk in self.chat.stream(prompt, **kwargs):
                    # Every complete stream ends with a chunk carrying `finish_reason`.
                    finished = finished or bool(chunk.response_metadata.get("finish_reason"))
                    # Hold back empty leading chunks (the role chunk): the fallback decision
                    # is made on the first real token.
                    if not started and not chunk.content:
                        continue
                    started = True
                    yield ProviderChunk(self.name, self.model, chunk)
                if not finished:
                    raise StreamEndedEarly(f"{self.name}'s stream ended before the answer did")


def _retry_rules(response: httpx.Response) -> None:
    """Tell the SDK's own retry loop what to do (its documented `x-should-retry` header).

    498 (Groq over capacity) is retried like 429; nothing is retried once the answer's
    budget is spent or when `retry-after` asks for longer than what is left of it.
    """
    code = response.status_code
    if code not in (408, 409, 429, 498) and code < 500:
        return
    remaining = remaining_budget()
    if remaining is not None:
        try:
            wait = float(response.headers.get("retry-after", "0"))
        except ValueError:
            wait = 0.0
        if remaining <= 0 or wait >= remaining:
            response.headers["x-should-retry"] = "false"
            return
    if code == 498:
        response.headers["x-should-retry"] = "true"


def _http_client(settings: Settings) -> httpx.Client:
    return httpx.Client(timeout=_timeout(settings), event_hooks={"response": [_retry_rules]})


def _timeout(settings: Settings) -> httpx.Timeout:
    # The read timeout bounds every wait for bytes, so a silent stream is cut after it.
    return httpx.Timeout(
        connect=settings.answering.llm_connect_timeout,
        read=settings.answering.llm_stream_idle_timeout,
        write=settings.answering.llm_connect_timeout,
        pool=settings.answering.llm_connect_timeout,
    )


def _breaker(name: str, settings: Settings) -> pybreaker.CircuitBreaker:
    storage = None
    if settings.storage.redis_url:
        import redis

        storage = pybreaker.CircuitRedisStorage(
            pybreaker.STATE_CLOSED,
            redis.Redis.from_url(settings.storage.redis_url),
            namespace=f"chatgepeto:breaker:{name}",
        )
    breaker = pybreaker.CircuitBreaker(
        fail_max=settings.answering.breaker_fail_max,
        reset_timeout=settings.answering.breaker_reset_seconds,
        exclude=[GeneratorExit, BudgetExhausted, _is_callers_fault],
        listeners=[_BreakerGauge()],
        state_storage=storage,
        name=name,
    )
    LLM_BREAKER_OPEN.labels(name).set(1 if str(breaker.current_state) == "open" else 0)
    return breaker


def _groq(model: str, settings: Settings) -> BaseChatModel:
    from langchain_groq import ChatGroq

    kwargs: dict[str, Any] = {
        "model": model,
        "api_key": settings.answering.groq_api_key,
        "temperature": settings.answering.llm_temperature,
        "max_tokens": settings.answering.llm_max_tokens,
        "timeout": _timeout(settings),
        "max_retries": settings.answering.llm_max_retries,
        "http_client": _http_client(settings),
    }
    if settings.answering.groq_base_url:
        kwargs["base_url"] = settings.answering.groq_base_url
    return ChatGroq(**kwargs)


def _openai(settings: Settings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.answering.openai_model or "",
        base_url=settings.answering.openai_base_url,
        api_key=settings.answering.openai_api_key or "not-needed",
        temperature=settings.answering.llm_temperature,
        max_tokens=settings.answering.llm_max_tokens,
        timeout=_timeout(settings),
        max_retries=settings.answering.llm_max_retries,
        http_client=_http_client(settings),
        stream_usage=True,
    )


class ProviderChain:
    """The configured providers in order, as one streaming runnable with fallbacks."""

    def __init__(self, providers: list[Provider]) -> None:
        if not providers:
            raise ValueError("at least one provider is needed")
        self.providers = providers
        runnables = [RunnableGenerator(p.stream, name=p.name) for p in providers]
        self.runnable: Runnable[Any, ProviderChunk] = (
            runnables[0].with_fallbacks(runnables[1:]) if len(runnables) > 1 else runnables[0]
        )

    @property
    def primary(self) -> Provider:
        return self.providers[0]

    def is_fallback(self, provider: str | None, model: str | None) -> bool:
        """Whether an answer came from a model other than the primary one (a fallback)."""
        return any((p.name, p.model) == (provider, model) for p in self.providers[1:]) and (
            (provider, model) != (self.primary.name, self.primary.model)
        )

    def states(self) -> list[dict[str, str]]:
        return [
            {"provider": p.name, "model": p.model, "breaker": p.breaker_state}
            for p in self.providers
        ]


def make_provider_chain(settings: Settings) -> ProviderChain | None:
    """Groq, a second Groq model, an OpenAI-compatible endpoint; None without GROQ_API_KEY."""
    if settings.answering.groq_api_key is None:
        return None
    timeout = _timeout(settings)
    providers = [
        Provider(
            "groq",
            settings.answering.groq_model,
            _groq(settings.answering.groq_model, settings),
            _breaker("groq", settings),
            timeout,
        )
    ]
    if settings.answering.groq_fallback_model:
        model = settings.answering.groq_fallback_model
        providers.append(
            Provider(
                "groq-fallback",
                model,
                _groq(model, settings),
                _breaker("groq-fallback", settings),
                timeout,
            )
        )
    if settings.answering.openai_base_url and settings.answering.openai_model:
        providers.append(
            Provider(
                "openai",
                settings.answering.openai_model,
                _openai(settings),
                _breaker("openai", settings),
                timeout,
            )
        )
    return ProviderChain(providers)
