"""Render the builtin masker bank and the demo traffic soundscape (deterministic: fixed seeds).

    python -m engine.audio.soundscape.tools.synthesize_maskers [--out resources/maskers] [--examples resources/examples]

Writes 16-bit FLAC at 44.1 kHz, 30 s each, and ``manifest.json`` beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from engine.audio.io import write_audio
from engine.audio.soundscape.synthesis import RECIPES, SAMPLE_RATE, render_masker, traffic
from engine.resources import resources_dir

LICENCE = "CC0-1.0 (synthesised by NoiseLoom)"
DURATION_S = 30.0
BASE_SEED = 20220
# the demo soundscape's seed differs from every masker's: equal seeds give correlated noise, which
# breaks the search's uncorrelated-sources assumption (it did, for rain_light, before this)
DEMO_SEED = 31337


def write_json(path: Path, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=resources_dir() / "maskers")
    ap.add_argument("--examples", type=Path, default=resources_dir() / "examples")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    args.examples.mkdir(parents=True, exist_ok=True)
    entries = []
    for i, recipe in enumerate(RECIPES):
        seed = BASE_SEED + i
        path = args.out / f"{recipe.name}.flac"
        write_audio(path, render_masker(recipe, seed, DURATION_S), SAMPLE_RATE, subtype="PCM_16")
        entries.append({
            "name": recipe.name, "class": recipe.masker_class, "file": path.name,
            "duration_s": DURATION_S, "sample_rate": SAMPLE_RATE, "licence": LICENCE,
            "source": f"procedural: engine.audio.soundscape.synthesis ({recipe.description}), seed {seed}",
        })
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB")
    write_json(args.out / "manifest.json", {"maskers": entries})
    demo = args.examples / "traffic_street.flac"
    write_audio(demo, traffic(DEMO_SEED, DURATION_S), SAMPLE_RATE, subtype="PCM_16")
    write_json(args.examples / "manifest.json", {"examples": [{
        "name": "traffic_street", "file": demo.name, "duration_s": DURATION_S, "sample_rate": SAMPLE_RATE,
        "channels": 2, "licence": LICENCE, "calibration": "LAeq 65 dB(A) intended (use soundscape_level_dba)",
        "source": f"procedural: engine.audio.soundscape.synthesis.traffic, seed {DEMO_SEED}",
    }]})
    print(f"{demo.name}: {demo.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
