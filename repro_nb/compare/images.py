"""Images compared the way a person looks at them, not by encoded bytes.

A re-run draws a figure again, and the bytes come out different for reasons that change
nothing a reader sees: another PNG encoder or compression level, JPEG re-encoding
noise, anti-aliasing that lands half a pixel over, a LaTeX formula or a font hinting
change that makes the picture a pixel larger. A moved point, a changed bar or a new
label are real drift. So (:class:`ImageTolerance`):

1. both pictures are decoded and composited on white (transparency is not content);
2. a size difference of up to ``size`` pixels in each direction is aligned: the smaller
   picture is compared with every window of the larger one and the best fit counts,
   and details may move by that many pixels more (the figure was laid out again); a
   larger difference is drift ("size changed");
3. a pixel has *changed* when no pixel within ``shift`` pixels of it in the other
   picture comes within ``pixel`` (0–255, per channel) of it — in both directions, so
   that a point that moved counts where it was and where it went, while an edge that
   moved by a pixel does not count at all;
4. the pictures differ when at least ``min_changed`` pixels changed; the report gives
   their fraction of the picture and the bounding box of the changed region.

A picture that renders an unchanged LaTeX source beside it (SymPy, ``IPython.display.Latex``)
is not compared at all: :func:`.outputs._renders_same_source`.

Linear in the number of pixels (a few shifted copies, no quadratic search).
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from .model import CompareOptions, ImageTolerance, OutputDiff

Pixels = NDArray[np.uint8]


def compare_images(
    mime: str,
    expected_b64: str,
    actual_b64: str,
    options: CompareOptions,
    output_index: int | None = None,
) -> OutputDiff | None:
    """The difference between two base64-encoded pictures, or ``None`` if they look the same."""
    expected_b64, actual_b64 = "".join(expected_b64.split()), "".join(actual_b64.split())
    if expected_b64 == actual_b64:
        return None
    expected_pixels, actual_pixels = _decode(expected_b64), _decode(actual_b64)
    if expected_pixels is None or actual_pixels is None:
        return OutputDiff(
            "image", output_index, mime, pixel_fraction=1.0, note="image could not be decoded; base64 data differs"
        )
    described = OutputDiff(
        "image",
        output_index,
        mime,
        expected=_describe(mime, expected_pixels, expected_b64),
        actual=_describe(mime, actual_pixels, actual_b64),
    )
    tolerance = options.image
    (eh, ew), (ah, aw) = expected_pixels.shape[:2], actual_pixels.shape[:2]
    if abs(eh - ah) > tolerance.size or abs(ew - aw) > tolerance.size:
        return replace(
            described,
            pixel_fraction=1.0,
            note=f"size changed: {_size(expected_pixels)} → {_size(actual_pixels)}",
            region=(0, 0, aw, ah),
        )
    # A picture re-rendered larger is laid out again: its details move by up to the
    # size difference, on top of the shift any re-rendering may have.
    grown = max(abs(eh - ah), abs(ew - aw))
    changed, offset, max_delta = _best_alignment(
        expected_pixels, actual_pixels, replace(tolerance, shift=tolerance.shift + grown)
    )
    count = int(changed.sum())
    if count < tolerance.min_changed:
        return None
    ys, xs = np.nonzero(changed)
    dx, dy = offset  # the compared window's position in the actual picture
    region = (int(xs.min()) + dx, int(ys.min()) + dy, int(xs.max() - xs.min()) + 1, int(ys.max() - ys.min()) + 1)
    note = None if (eh, ew) == (ah, aw) else f"size {_size(expected_pixels)} → {_size(actual_pixels)}, aligned"
    return replace(
        described, pixel_fraction=count / changed.size, max_abs_diff=float(max_delta), region=region, note=note
    )


def _best_alignment(
    expected: Pixels, actual: Pixels, tolerance: ImageTolerance
) -> tuple[NDArray[np.bool_], tuple[int, int], int]:
    """The changed-pixel mask of the best-aligned windows, the window's offset in ``actual``, and
    the largest channel difference there."""
    height = min(expected.shape[0], actual.shape[0])
    width = min(expected.shape[1], actual.shape[1])
    best: tuple[int, NDArray[np.bool_], tuple[int, int], int] | None = None
    for e_off in _offsets(expected.shape, height, width):
        for a_off in _offsets(actual.shape, height, width):
            left = expected[e_off[1] : e_off[1] + height, e_off[0] : e_off[0] + width]
            right = actual[a_off[1] : a_off[1] + height, a_off[0] : a_off[0] + width]
            changed = _changed(left, right, tolerance) | _changed(right, left, tolerance)
            count = int(changed.sum())
            if best is None or count < best[0]:
                delta = int(np.abs(left.astype(np.int16) - right.astype(np.int16)).max(initial=0))
                best = (count, changed, a_off, delta)
            if count == 0:
                break
    assert best is not None
    return best[1], best[2], best[3]


def _offsets(shape: tuple[int, ...], height: int, width: int) -> list[tuple[int, int]]:
    return [(x, y) for y in range(shape[0] - height + 1) for x in range(shape[1] - width + 1)]


def _changed(source: Pixels, other: Pixels, tolerance: ImageTolerance) -> NDArray[np.bool_]:
    """Pixels of ``source`` that no pixel of ``other`` within ``shift`` matches within ``pixel``."""
    r = tolerance.shift
    height, width = source.shape[:2]
    padded = np.pad(other.astype(np.int16), ((r, r), (r, r), (0, 0)), mode="edge")
    base = source.astype(np.int16)
    nearest = np.full((height, width), 255, dtype=np.int16)
    for dy in range(2 * r + 1):
        for dx in range(2 * r + 1):
            window = padded[dy : dy + height, dx : dx + width]
            np.minimum(nearest, np.abs(base - window).max(axis=2), out=nearest)
    return nearest > tolerance.pixel


def _decode(data: str) -> Pixels | None:
    """RGB pixels composited on white, or ``None`` for data Pillow cannot read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(base64.b64decode(data))) as image:
            rgba = image.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"), dtype=np.uint8)
    except (binascii.Error, UnidentifiedImageError, OSError, ValueError):
        return None


def _size(pixels: Pixels) -> str:
    return f"{pixels.shape[1]}x{pixels.shape[0]}"


def _describe(mime: str, pixels: Pixels, data: str) -> str:
    return f"{mime} {_size(pixels)} ({len(data) * 3 // 4} bytes)"


def difference_mask(expected_b64: str, actual_b64: str, options: CompareOptions) -> str | None:
    """The re-run picture faded to grey with its changed pixels in red, as base64 PNG.

    The same decoding, alignment and per-pixel rule as :func:`compare_images`, so the
    mask shows exactly the pixels that made the comparator call it drift. ``None`` when
    a picture cannot be decoded or their sizes differ beyond the tolerance (then there
    is no pixel-by-pixel correspondence to show).
    """
    from PIL import Image

    expected_pixels = _decode("".join(expected_b64.split()))
    actual_pixels = _decode("".join(actual_b64.split()))
    if expected_pixels is None or actual_pixels is None:
        return None
    tolerance = options.image
    (eh, ew), (ah, aw) = expected_pixels.shape[:2], actual_pixels.shape[:2]
    if abs(eh - ah) > tolerance.size or abs(ew - aw) > tolerance.size:
        return None
    grown = max(abs(eh - ah), abs(ew - aw))
    changed, (dx, dy), _ = _best_alignment(
        expected_pixels, actual_pixels, replace(tolerance, shift=tolerance.shift + grown)
    )
    grey = actual_pixels.astype(np.float32).mean(axis=2, keepdims=True)
    faded = (255 - (255 - grey) * 0.35).repeat(3, axis=2).astype(np.uint8)
    window = faded[dy : dy + changed.shape[0], dx : dx + changed.shape[1]]
    window[changed] = (214, 39, 40)
    ys, xs = np.nonzero(changed)
    if len(xs):  # the changed region's outline, so a few changed pixels are still found
        x0, x1, y0, y1 = xs.min() + dx, xs.max() + dx, ys.min() + dy, ys.max() + dy
        outline = (150, 0, 0)
        faded[y0, x0 : x1 + 1] = faded[y1, x0 : x1 + 1] = outline
        faded[y0 : y1 + 1, x0] = faded[y0 : y1 + 1, x1] = outline
    buffer = io.BytesIO()
    Image.fromarray(faded, "RGB").save(buffer, format="PNG", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
