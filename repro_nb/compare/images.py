"""Images compared by decoded pixels, not by encoded bytes."""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from .model import CompareOptions, OutputDiff

# -------------------------------------------------------------------------------- images


def compare_images(
    mime: str,
    expected_b64: str,
    actual_b64: str,
    options: CompareOptions,
    output_index: int | None = None,
) -> OutputDiff | None:
    """Compare decoded pixels: re-encoded PNGs with the same pixels are equal."""
    expected_b64, actual_b64 = "".join(expected_b64.split()), "".join(actual_b64.split())
    if expected_b64 == actual_b64:
        return None
    expected_pixels, actual_pixels = _decode(expected_b64), _decode(actual_b64)
    if expected_pixels is None or actual_pixels is None:
        return OutputDiff(
            "image",
            output_index,
            mime,
            pixel_fraction=1.0,
            note="image could not be decoded; base64 data differs",
        )
    described = OutputDiff(
        "image",
        output_index,
        mime,
        expected=_describe(mime, expected_pixels, expected_b64),
        actual=_describe(mime, actual_pixels, actual_b64),
    )
    if expected_pixels.shape != actual_pixels.shape:
        return replace(
            described,
            pixel_fraction=1.0,
            note=f"size changed: {_size(expected_pixels)} → {_size(actual_pixels)}",
        )
    delta = np.abs(expected_pixels.astype(np.int16) - actual_pixels.astype(np.int16))
    differing = (delta > options.image_pixel_tolerance).any(axis=2)
    if not differing.any():
        return None
    return replace(described, pixel_fraction=float(differing.mean()), max_abs_diff=float(delta.max()))


def _decode(data: str) -> NDArray[np.uint8] | None:
    """RGBA pixels, or ``None`` for data Pillow cannot read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(base64.b64decode(data))) as image:
            return np.asarray(image.convert("RGBA"), dtype=np.uint8)
    except (binascii.Error, UnidentifiedImageError, OSError, ValueError):
        return None


def _size(pixels: NDArray[np.uint8]) -> str:
    return f"{pixels.shape[1]}x{pixels.shape[0]}"


def _describe(mime: str, pixels: NDArray[np.uint8], data: str) -> str:
    return f"{mime} {_size(pixels)} ({len(data) * 3 // 4} bytes)"
