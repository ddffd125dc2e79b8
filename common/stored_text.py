"""System texts kept in the source language wherever they go, and shown in the merchant's language by the
dashboard.

Some texts the system writes are stored (why a job failed, a delivery's last error, why an endpoint was
switched off, the try-on engine's note) or raised where both the APIs and the dashboard show them (a refused
URL). The APIs show them as they are — Korean, like every API message, whatever the caller's language — so
they are made from a :class:`StoredText`: a Korean template marked for the catalogs (``gettext_noop``) and
filled in without translating, whichever language is active (a task run eagerly from an English dashboard
request stores Korean too). The dashboard shows them through :func:`translate_stored`, which finds the
template a text was made from, translates it and fills in the same values, translating those that are stored
texts themselves ("연결 실패: 연결이 거부되었습니다" → "Connection failed: connection refused").
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.translation import gettext

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_KNOWN: list[StoredText] = []


class StoredText:
    """One stored text's template: ``StoredText(gettext_noop("HTTP %(status)s 응답"))``.

    Placeholders are ``%(name)s`` only (format numbers before filling them in), each at most once, and the
    template has literal text besides them, so that a filled-in text leads back to its values.
    """

    def __init__(self, template: str) -> None:
        names = _PLACEHOLDER.findall(template)
        if len(names) != len(set(names)) or not _PLACEHOLDER.sub("", template).strip():
            raise ValueError(f"stored text template cannot be read back: {template!r}")
        self.template = template
        parts = _PLACEHOLDER.split(template)
        # split() alternates literal text and placeholder names: "a %(x)s b" -> ["a ", "x", " b"].
        # Filling in turns a template's "%%" into "%"; without values the template is used as it is.
        pattern = "".join(
            re.escape(part.replace("%%", "%") if names else part) if index % 2 == 0 else f"(?P<{part}>.*?)"
            for index, part in enumerate(parts)
        )
        self._pattern = re.compile(rf"\A{pattern}\Z", re.DOTALL)
        _KNOWN.append(self)

    def __call__(self, **values: object) -> str:
        """The text in the source language, as it is stored and as the APIs show it."""
        return self._fill(self.template, values)

    def translated(self, **values: object) -> str:
        """The text in the active language (the dashboard's)."""
        return self._fill(gettext(self.template), values)

    def values_in(self, text: str) -> dict[str, str] | None:
        """The values ``text`` was made with, or None when it was not made from this template."""
        match = self._pattern.match(text)
        return match.groupdict() if match else None

    def _fill(self, template: str, values: Mapping[str, object]) -> str:
        if set(values) != set(_PLACEHOLDER.findall(self.template)):
            raise ValueError(f"{self.template!r} takes {_PLACEHOLDER.findall(self.template)}, got {sorted(values)}")
        return template % {name: str(value) for name, value in values.items()} if values else template

    def __repr__(self) -> str:
        return f"StoredText({self.template!r})"


def translate_stored(text: str | None) -> str:
    """A stored text in the active language; text made from no known template is returned as it is."""
    if not text:
        return text or ""
    for known in _KNOWN:
        values = known.values_in(text)
        if values is not None:
            return known.translated(**{name: translate_stored(value) for name, value in values.items()})
    return text
