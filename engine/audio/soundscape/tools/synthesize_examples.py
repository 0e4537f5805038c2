"""Render the demo traffic soundscape (deterministic: a fixed seed) into the examples folder.

    python -m engine.audio.soundscape.tools.synthesize_examples [--examples resources/examples]

Writes 16-bit FLAC at 44.1 kHz, 30 s, and ``manifest.json`` beside it. The masker bank is rendered by
its plugin: ``python -m plugins.procedural_maskers.render``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.atomic import write_json_atomic
from engine.audio.io import write_audio
from engine.audio.soundscape.synthesis import SAMPLE_RATE, traffic
from engine.resources import resources_dir

LICENCE = "CC0-1.0 (synthesised by NoiseLoom)"
DURATION_S = 30.0
# the demo soundscape's seed differs from every masker's: equal seeds give correlated noise, which
# breaks the search's uncorrelated-sources assumption (it did, for rain_light, before this)
DEMO_SEED = 31337


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=Path, default=resources_dir() / "examples")
    args = ap.parse_args(argv)
    args.examples.mkdir(parents=True, exist_ok=True)
    demo = args.examples / "traffic_street.flac"
    write_audio(demo, traffic(DEMO_SEED, DURATION_S), SAMPLE_RATE, subtype="PCM_16")
    write_json_atomic(args.examples / "manifest.json", {"examples": [{
        "name": "traffic_street", "file": demo.name, "duration_s": DURATION_S, "sample_rate": SAMPLE_RATE,
        "channels": 2, "licence": LICENCE, "calibration": "LAeq 65 dB(A) intended (use soundscape_level_dba)",
        "source": f"procedural: engine.audio.soundscape.synthesis.traffic, seed {DEMO_SEED}",
    }]})
    print(f"{demo.name}: {demo.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
