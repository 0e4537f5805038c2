"""The ``procedural`` masker source: the synthesised bank, from its shipped renders or rendered anew.

Each recipe is rendered at a fixed seed, 30 s long at 44.1 kHz. The renders ship in
``resources/maskers`` with a ``manifest.json`` (written by ``python -m plugins.procedural_maskers.render``);
a recipe is offered as its shipped file when the manifest says that file is this recipe's render at
its seed, else with a render function (the bank renders it once into its cache).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from engine.audio.soundscape.maskers import SourcedMasker
from engine.audio.soundscape.synthesis import SAMPLE_RATE
from engine.resources import resource_path
from plugins.procedural_maskers.recipes import RECIPES, MaskerRecipe, render_masker

LICENCE = "CC0-1.0 (synthesised by NoiseLoom)"
DURATION_S = 30.0
BASE_SEED = 20220


def seeded_recipes() -> list[tuple[MaskerRecipe, int]]:
    """Every recipe with the seed of its bank render."""
    return [(recipe, BASE_SEED + i) for i, recipe in enumerate(RECIPES)]


def provenance(recipe: MaskerRecipe, seed: int) -> str:
    """The ``source`` of a recipe's render: what made it, and how to make it again."""
    return f"procedural: plugin procedural-maskers ({recipe.description}), seed {seed}"


def render(recipe: MaskerRecipe, seed: int) -> tuple[np.ndarray, int]:
    """The bank's render of ``recipe`` at ``seed``: (mono samples, sample rate)."""
    return render_masker(recipe, seed, DURATION_S), SAMPLE_RATE


def _shipped(folder: Path) -> dict[str, dict]:
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return {}
    return {entry["name"]: entry for entry in json.loads(manifest.read_text()).get("maskers", [])}


def offers(folder: Path | None = None) -> Iterator[SourcedMasker]:
    """The bank's maskers: shipped files in ``folder`` (default ``resources/maskers``) where they are
    current, render functions for the rest."""
    folder = folder or resource_path("maskers")
    shipped = _shipped(folder)
    for recipe, seed in seeded_recipes():
        source = provenance(recipe, seed)
        entry = shipped.get(recipe.name, {})
        path = folder / entry.get("file", f"{recipe.name}.flac")
        if entry.get("source") == source and path.is_file():
            yield SourcedMasker(recipe.name, recipe.masker_class, LICENCE, source, file=path)
        else:
            yield SourcedMasker(recipe.name, recipe.masker_class, LICENCE, source,
                                render=functools.partial(render, recipe, seed))
