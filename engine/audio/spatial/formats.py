"""The spatial renderer's output formats: entries of the ``spatial_renderers`` registry.

A format is a ``SpatialFormat``: an encoder factory (``engine.audio.spatial.encoders.Encoder``: each
output channel's frequency response to each direction) and, optionally, a decoder that turns the
encoded stream into the final channels (``foa_binaural`` decodes FOA to binaural). The core's formats
(binaural, foa, stereo, mic, foa_binaural) are registered in ``engine.audio.spatial.spec`` under the
same interface a plugin's ``spatial_renderers`` contribution has, so a plugin adds a format by giving a
``SpatialFormat``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.audio.spatial.encoders import BinauralEncoder, Encoder, FoaEncoder, MicArrayEncoder, StereoEncoder
from engine.audio.spatial.foa_decode import decode_stream
from engine.audio.spatial.sofa import HrtfSet
from engine.audio.spatial.spec import SPATIAL_RENDERERS

if TYPE_CHECKING:
    from engine.audio.spatial.render import RenderOptions

EncoderFactory = Callable[[int, "HrtfSet | None", "RenderOptions"], Encoder]
Decoder = Callable[[Iterable[np.ndarray], int, HrtfSet], Iterator[np.ndarray]]


@dataclass(frozen=True)
class SpatialFormat:
    """An output format: ``encoder(sample_rate, hrtf, options)`` makes its encoder (``hrtf`` is loaded
    only when ``needs_hrtf``); ``decode(blocks, frames, hrtf)``, when given, turns the encoded blocks
    into ``decoded_channels`` output channels."""

    encoder: EncoderFactory
    needs_hrtf: bool = False
    decode: Decoder | None = None
    decoded_channels: int = 0


def spatial_format(name: str) -> SpatialFormat:
    """The registered format ``name`` (a core one or an enabled plugin's); ``ValueError`` naming the
    ``format`` field when it is unknown, its plugin fails to load, or it is not a ``SpatialFormat``."""
    found = SPATIAL_RENDERERS.load(name, "format")
    if not isinstance(found, SpatialFormat):
        raise ValueError(f"format: the spatial renderer {name!r} is a {type(found).__name__}, not an "
                         "engine.audio.spatial.formats.SpatialFormat")
    return found


def _binaural(sample_rate: int, hrtf: HrtfSet | None, options: RenderOptions) -> Encoder:
    if hrtf is None:
        raise ValueError("binaural rendering needs an HRTF set")
    return BinauralEncoder(hrtf)


def _foa(sample_rate: int, hrtf: HrtfSet | None, options: RenderOptions) -> Encoder:
    return FoaEncoder()


def _stereo(sample_rate: int, hrtf: HrtfSet | None, options: RenderOptions) -> Encoder:
    return StereoEncoder(sample_rate, itd=options.stereo_itd)


def _mic(sample_rate: int, hrtf: HrtfSet | None, options: RenderOptions) -> Encoder:
    return MicArrayEncoder(sample_rate)


BINAURAL = SpatialFormat(_binaural, needs_hrtf=True)
FOA = SpatialFormat(_foa)
STEREO = SpatialFormat(_stereo)
MIC = SpatialFormat(_mic)
FOA_BINAURAL = SpatialFormat(_foa, needs_hrtf=True, decode=decode_stream, decoded_channels=2)
