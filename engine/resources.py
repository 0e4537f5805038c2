"""Where NoiseLoom's shipped data lies (models, HRTF, masker bank, examples).

``NOISELOOM_RESOURCES`` when set (the desktop launcher sets it to the bundle's copy), else the
``resources/`` folder of the checkout this code runs from.
"""

from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[1] / "resources"


def resources_dir() -> Path:
    """The folder of the shipped resources."""
    folder = Path(os.environ.get("NOISELOOM_RESOURCES") or _CHECKOUT)
    if not folder.is_dir():
        raise FileNotFoundError(f"NoiseLoom's resources are missing at {folder}: set NOISELOOM_RESOURCES "
                                "to the bundle's resources folder, or run from a checkout")
    return folder


def resource_path(*parts: str) -> Path:
    """A path inside the resources folder, e.g. ``resource_path("hrtf", "kemar.sofa")``."""
    return resources_dir().joinpath(*parts)
