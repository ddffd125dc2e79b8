"""The facts of an event — store name, period, a short link with its QR code, the call to action — set as one
panel that every design places and dresses in its own colours.

The panel flows its pieces into rows (left to right, wrapping), so nothing inside it can overlap, and keeps
every piece at or above the frame's smallest legible size. As a *band* (the default) the QR code sits to the
right of the rows; as a *column* (narrow spaces: the side of a banner) it sits above them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import numpy as np
import segno
from PIL import Image, ImageDraw

from content.design.base import Box, EventArt, Frame, Layout
from content.design.drawing import draw_block
from content.design.palette import RGB
from content.typography import ELLIPSIS, TextBlock, fit_text

SHORT_URL_CHARACTERS = 32
QR_QUIET_MODULES = 3


def url_host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def short_url(url: str) -> str:
    """The link as people read it: no scheme, no "www.", no query, no trailing slash, at most 32 characters."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    text = (host + parts.path).rstrip("/")
    if len(text) > SHORT_URL_CHARACTERS:
        text = text[: SHORT_URL_CHARACTERS - 1] + ELLIPSIS
    return text


@lru_cache(maxsize=32)
def qr_modules(url: str) -> np.ndarray:
    """The QR code of ``url`` as a boolean module matrix (error correction M, raised when it costs nothing)."""
    code = segno.make(url, error="m", micro=False, boost_error=True)
    return np.array([list(row) for row in code.matrix], dtype=bool)


def qr_minimum_side(url: str) -> int:
    """The smallest card that still draws every module 2 px wide with its quiet zone."""
    return 2 * (len(qr_modules(url)) + 2 * QR_QUIET_MODULES)


@dataclass(frozen=True)
class FactsSkin:
    """How a design dresses the panel."""

    text: RGB
    muted: RGB
    button_fill: RGB
    button_text: RGB
    card_outline: RGB | None = None
    button_round: float = 0.5  # corner radius as a share of the button's height (0.5: a pill)
    align: str = "left"


@dataclass(frozen=True)
class _Piece:
    name: str
    block: TextBlock
    width: float
    height: float
    label: TextBlock | None = None  # the "기간" tag before the period
    padding: tuple[float, float] = (0.0, 0.0)  # the call to action's button: (horizontal, vertical)


@dataclass(frozen=True)
class FactsPanel:
    frame: Frame
    width: float
    height: float
    rows: list[list[_Piece]]
    row_heights: list[float]
    text_width: float
    qr_url: str
    qr_side: int
    column: bool
    gap: float
    row_gap: float

    def draw(self, canvas: Image.Image, x: float, y: float, skin: FactsSkin, layout: Layout) -> Box:
        """Draws the panel with its top left at (x, y); returns its box."""
        text_x, text_y = x, y
        if self.qr_url:
            if self.column:
                qr_x = x + (self.width - self.qr_side) / 2 if skin.align == "center" else x
                self._draw_qr(canvas, qr_x, y, skin, layout)
                text_y = y + self.qr_side + self.gap
            else:
                rows_height = sum(self.row_heights) + self.row_gap * (len(self.rows) - 1)
                qr_y = y + max(0.0, (self.height - self.qr_side) / 2)
                self._draw_qr(canvas, x + self.width - self.qr_side, qr_y, skin, layout)
                text_y = y + max(0.0, (self.height - rows_height) / 2)
        for row, row_height in zip(self.rows, self.row_heights, strict=True):
            row_width = sum(piece.width for piece in row) + self.gap * (len(row) - 1)
            piece_x = text_x + (self.text_width - row_width) / 2 if skin.align == "center" else text_x
            for piece in row:
                self._draw_piece(canvas, piece, piece_x, text_y + (row_height - piece.height) / 2, skin, layout)
                piece_x += piece.width + self.gap
            text_y += row_height + self.row_gap
        return (x, y, x + self.width, y + self.height)

    def _draw_piece(self, canvas: Image.Image, piece: _Piece, x: float, y: float, skin: FactsSkin, layout: Layout):
        block = piece.block
        if piece.name == "cta":
            draw = ImageDraw.Draw(canvas)
            draw.rounded_rectangle(
                (x, y, x + piece.width, y + piece.height),
                radius=round(piece.height * skin.button_round),
                fill=skin.button_fill,
            )
            box = draw_block(
                canvas, block, x=x + piece.padding[0], y=y + piece.padding[1], width=block.width, fill=skin.button_text
            )
        elif piece.label is not None:
            draw_block(canvas, piece.label, x=x, y=y, width=piece.label.width, fill=skin.muted)
            gap = piece.width - piece.label.width - block.width
            box = draw_block(canvas, block, x=x + piece.label.width + gap, y=y, width=block.width, fill=skin.text)
        else:
            box = draw_block(
                canvas, block, x=x, y=y, width=block.width, fill=skin.muted if piece.name == "url" else skin.text
            )
        layout.place(piece.name, box, block.size)

    def _draw_qr(self, canvas: Image.Image, x: float, y: float, skin: FactsSkin, layout: Layout) -> None:
        side = self.qr_side
        modules = qr_modules(self.qr_url)
        module = max(1, side // (len(modules) + 2 * QR_QUIET_MODULES))
        code = Image.fromarray(np.where(modules, 0, 255).astype(np.uint8), "L").resize(
            (len(modules) * module, len(modules) * module), Image.Resampling.NEAREST
        )
        left, top = round(x), round(y)
        draw = ImageDraw.Draw(canvas)
        outline = skin.card_outline
        draw.rounded_rectangle(
            (left, top, left + side - 1, top + side - 1),
            radius=max(2, round(module * 1.5)),
            fill=(255, 255, 255),
            outline=outline,
            width=max(1, module // 2) if outline is not None else 0,
        )
        offset = (side - code.width) // 2
        canvas.paste((0, 0, 0), (left + offset, top + offset), code.point(lambda v: 255 - v))
        layout.place("qr", (left, top, left + side, top + side))


def plan_facts(
    event: EventArt, frame: Frame, max_width: float, *, column: bool = False, max_height: float | None = None
) -> FactsPanel | None:
    """The panel of ``event``'s facts no wider than ``max_width`` (None when the event has none)."""
    if not event.has_facts:
        return None
    # A story is seen full screen, one at a time: its facts may be set larger.
    u, smallest = frame.unit * (1.3 if frame.tall else 1.0), frame.min_text
    gap, row_gap = 2.4 * u, 1.5 * u
    qr_url = event.event_url
    if qr_url:
        floor = qr_minimum_side(qr_url)
        if column:
            qr_side = round(min(max_width, 24 * u))
        else:
            qr_side = round(min(18 * u, max_width * 0.28))
        qr_side = max(floor, qr_side)
    else:
        qr_side = 0
    text_width = max_width if column or not qr_url else max_width - qr_side - gap

    def line(text: str, size: float, weight: int, width: float) -> TextBlock:
        return fit_text(
            text,
            max_width=width,
            max_height=10_000,
            max_lines=1,
            max_size=max(smallest, round(size)),
            min_size=smallest,
            weight=weight,
            line_spacing=1.2,
            family=event.font,
        )

    pieces: list[_Piece] = []
    if event.store_name:
        block = line(event.store_name, 3.6 * u, 800, text_width)
        pieces.append(_Piece("store", block, block.width, block.size))
    if event.period:
        label_size = max(smallest, round(3.1 * u))
        label = fit_text("기간", max_width=10_000, max_height=10_000, max_lines=1, max_size=label_size,
                         min_size=label_size, weight=800, family=event.font)  # fmt: skip
        label_gap = 1.2 * u
        block = line(event.period, 3.1 * u, 600, text_width - label.width - label_gap)
        piece_height = max(label.size, block.size)
        pieces.append(_Piece("period", block, label.width + label_gap + block.width, piece_height, label=label))
    if qr_url:
        block = line(short_url(qr_url), 2.6 * u, 500, text_width)
        if block.truncated:
            # A cut link reads as nothing: the host alone, when the path does not fit.
            block = line(url_host(qr_url), 2.6 * u, 500, text_width)
        pieces.append(_Piece("url", block, block.width, block.size))
    if event.call_to_action:
        size = max(smallest, round(3.1 * u))
        padding = (max(1.8 * u, size * 0.7), max(1.1 * u, size * 0.36))
        block = line(event.call_to_action, size, 800, text_width - 2 * padding[0])
        pieces.append(_Piece("cta", block, block.width + 2 * padding[0], block.size + 2 * padding[1], padding=padding))

    rows: list[list[_Piece]] = []
    for piece in pieces:
        if rows and sum(p.width for p in rows[-1]) + gap * len(rows[-1]) + piece.width <= text_width:
            rows[-1].append(piece)
        else:
            rows.append([piece])
    row_heights = [max(piece.height for piece in row) for row in rows]
    rows_height = sum(row_heights) + row_gap * (len(rows) - 1) if rows else 0.0
    widest = max((sum(p.width for p in row) + gap * (len(row) - 1) for row in rows), default=0.0)
    if column:
        if qr_url and max_height is not None and qr_side + gap + rows_height > max_height:
            qr_side = max(qr_minimum_side(qr_url), round(max_height - gap - rows_height))
        height = rows_height + (qr_side + gap if qr_url and rows else qr_side)
        width = max(widest, qr_side)
        text_width = width
    else:
        height = max(rows_height, qr_side)
        width = widest + (qr_side + gap if qr_url else 0.0)
        text_width = widest
    return FactsPanel(
        frame=frame,
        width=width,
        height=height,
        rows=rows,
        row_heights=row_heights,
        text_width=text_width,
        qr_url=qr_url,
        qr_side=qr_side,
        column=column,
        gap=gap,
        row_gap=row_gap,
    )
