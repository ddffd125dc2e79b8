"""What a person reads on a dashboard page: its text and the attributes a browser shows or speaks.

Used to find untranslated labels: text nodes (hidden ones too — menus, dialogs, screen-reader tables), the
``title``, ``alt``, ``placeholder`` and ``aria-label`` attributes, button values, and the chart data Chart.js
draws on its canvas (labels, series names, axis titles). Scripts and styles are not read, nor what a page
marks ``translate="no"`` (HTML's own flag for verbatim content, such as a webhook body as it was sent).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff]")
SHOWN_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
# The language switch posts here; each of its buttons names its language in that language ("한국어").
LANGUAGE_SWITCH_ACTION = "/i18n/setlang/"
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass(frozen=True)
class Piece:
    text: str
    # "text", an attribute's name, or "chart" for strings drawn on a canvas.
    source: str
    in_language_switch: bool


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[Piece] = []
        self._skip_depth = 0
        # The element marked translate="no" being read, and how deep its same-named elements nest.
        self._verbatim: tuple[str, int] | None = None
        # One entry per open <form>: whether it is a language switch button's.
        self._open_forms: list[bool] = []

    @property
    def _in_switch(self) -> bool:
        return any(self._open_forms)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in ("script", "style"):
            self._skip_depth += 1
            return
        if self._verbatim is not None:
            if tag == self._verbatim[0]:
                self._verbatim = (tag, self._verbatim[1] + 1)
            return
        if values.get("translate") == "no" and tag not in VOID_ELEMENTS:
            self._verbatim = (tag, 1)
            return
        if tag == "form":
            self._open_forms.append(values.get("action", "").startswith(LANGUAGE_SWITCH_ACTION))
        for name in SHOWN_ATTRIBUTES:
            if values.get(name, "").strip():
                self.pieces.append(Piece(values[name].strip(), name, self._in_switch))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.pieces.append(Piece(values["value"], "value", self._in_switch))
        if tag == "canvas":
            for name in ("data-value", "data-options"):
                if values.get(name):
                    drawn = _strings(json.loads(html.unescape(values[name])))
                    self.pieces.extend(Piece(text, "chart", False) for text in drawn if text.strip())

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip_depth = max(0, self._skip_depth - 1)
        elif self._verbatim is not None:
            if tag == self._verbatim[0]:
                depth = self._verbatim[1] - 1
                self._verbatim = (tag, depth) if depth else None
        elif tag == "form" and self._open_forms:
            self._open_forms.pop()

    def handle_data(self, data: str) -> None:
        if self._skip_depth == 0 and self._verbatim is None and data.strip():
            self.pieces.append(Piece(" ".join(data.split()), "text", self._in_switch))


def visible_pieces(page: str) -> list[Piece]:
    reader = _Reader()
    reader.feed(page)
    reader.close()
    return reader.pieces


def untranslated(page: str) -> list[str]:
    """The pieces of ``page`` with Hangul in them, except the language switch's own "한국어"."""
    return [
        f"{piece.source}: {piece.text}"
        for piece in visible_pieces(page)
        if HANGUL.search(piece.text) and not (piece.in_language_switch and piece.text == "한국어")
    ]
