"""Render the procedural masker bank to files, with the ``manifest.json`` the bank reads.

    python -m plugins.procedural_maskers.render [--out resources/maskers] [--only NAME ...]

Writes 16-bit FLAC at 44.1 kHz, 30 s each (deterministic: fixed seeds), and the manifest beside them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.atomic import write_json_atomic
from engine.audio.io import write_audio
from engine.audio.soundscape.synthesis import SAMPLE_RATE
from engine.resources import resource_path
from plugins.procedural_maskers.bank import DURATION_S, LICENCE, provenance, render, seeded_recipes


def render_bank(out: Path, only: list[str] | None = None) -> list[Path]:
    """Render the recipes named in ``only`` (all when empty) into ``out``; the manifest lists every
    recipe. Returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    known = [recipe.name for recipe, _ in seeded_recipes()]
    unknown = sorted(set(only or []) - set(known))
    if unknown:
        raise ValueError(f"--only: no recipe {unknown}; known: {', '.join(known)}")
    written, entries = [], []
    for recipe, seed in seeded_recipes():
        path = out / f"{recipe.name}.flac"
        if not only or recipe.name in only:
            samples, rate = render(recipe, seed)
            written.append(write_audio(path, samples, rate, subtype="PCM_16"))
        entries.append({"name": recipe.name, "class": recipe.masker_class, "file": path.name,
                        "duration_s": DURATION_S, "sample_rate": SAMPLE_RATE, "licence": LICENCE,
                        "source": provenance(recipe, seed)})
    write_json_atomic(out / "manifest.json", {"maskers": entries})
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=resource_path("maskers"))
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="render only this recipe")
    args = parser.parse_args(argv)
    for path in render_bank(args.out, args.only):
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
