"""Binaural decoding of first-order Ambisonics (AmbiX: ACN W, Y, Z, X with SN3D).

A virtual loudspeaker decoder: eight loudspeakers on the corners of a cube (azimuth +-45, +-135,
elevation +-35.26), fed by the max-rE weighted basic decoder, each heard through the HRIR nearest its
direction. The whole chain is linear and static, so it folds into four filters per ear, applied with the
same streaming frame filter as the renderers (exact convolution, memory flat in duration).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from engine.audio.spatial.encoders import FoaEncoder
from engine.audio.spatial.framefilter import FrameFilter
from engine.audio.spatial.sofa import HrtfSet

_CUBE = np.array([[az, el] for el in (35.264, -35.264) for az in (45.0, 135.0, -135.0, -45.0)])
_MAX_RE_FIRST_ORDER_3D = 0.5774
_HOP = 4096


def foa_binaural_filters(hrtf: HrtfSet) -> np.ndarray:
    """Filters (4 FOA channels, 2 ears, taps) that turn AmbiX FOA into binaural."""
    gains = FoaEncoder.gains(_CUBE[:, 0], _CUBE[:, 1])  # (speakers, 4): SN3D spherical harmonics
    order_weights = np.array([1.0, 3 * _MAX_RE_FIRST_ORDER_3D, 3 * _MAX_RE_FIRST_ORDER_3D, 3 * _MAX_RE_FIRST_ORDER_3D])
    decoder = gains * order_weights / len(_CUBE)  # speaker feed = decoder @ foa
    speakers = hrtf.irs[hrtf.nearest(_CUBE[:, 0], _CUBE[:, 1])]  # (speakers, 2, taps)
    return np.einsum("sc,set->cet", decoder, speakers).astype(np.float32)


def decode_stream(blocks: Iterable[np.ndarray], frames: int, hrtf: HrtfSet) -> Iterator[np.ndarray]:
    """Binaural blocks (2, m) from a stream of FOA blocks (4, n) totalling ``frames`` samples."""
    filters = foa_binaural_filters(hrtf)
    engine = FrameFilter(_HOP, filters.shape[-1], 2)
    spectra = np.fft.rfft(filters, engine.nfft, axis=-1).astype(np.complex64)
    pending = np.zeros((4, 0), dtype=np.float32)
    emitted = 0

    def filtered(samples: np.ndarray) -> None:
        engine.synthesise(sum(engine.frame_spectra(c, samples[c])[:, None, :] * spectra[c][None] for c in range(4)))

    for block in blocks:
        pending = np.concatenate([pending, block], axis=1)
        whole = pending.shape[1] // _HOP * _HOP
        if whole:
            filtered(pending[:, :whole])
            pending = pending[:, whole:]
            ready = min(engine.available, frames - emitted)
            emitted += ready
            yield engine.take(ready)
    while emitted < frames:  # the last partial hop, and one more to flush the frame overlap
        tail = np.zeros((4, 2 * _HOP), dtype=np.float32)
        tail[:, :pending.shape[1]] = pending
        pending = pending[:, :0]
        filtered(tail)
        ready = min(engine.available, frames - emitted)
        emitted += ready
        yield engine.take(ready)


def decode_foa_to_binaural(foa: np.ndarray, hrtf: HrtfSet) -> np.ndarray:
    """Binaural (2, n) from FOA (4, n) at the HRTF set's sample rate."""
    return np.concatenate(list(decode_stream([foa], foa.shape[1], hrtf)), axis=1)
