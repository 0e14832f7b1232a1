"""The chat model: ChatGroq, built from settings (None when no GROQ_API_KEY)."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel

from chatgepeto.settings import Settings


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """ChatGroq for the configured model, or None for extractive mode."""
    if settings.groq_api_key is None:
        return None
    from langchain_groq import ChatGroq

    kwargs: dict[str, Any] = {
        "model": settings.groq_model,
        "api_key": settings.groq_api_key,
        "temperature": settings.llm_temperature,
        "max_tokens": settings.llm_max_tokens,
        "timeout": settings.llm_timeout_seconds,
        "max_retries": 2,
    }
    if settings.groq_base_url:
        kwargs["base_url"] = settings.groq_base_url
    return ChatGroq(**kwargs)
