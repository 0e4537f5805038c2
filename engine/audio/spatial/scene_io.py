"""Reading and writing scene files (JSON); relative audio paths start from the scene file's folder."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from engine.audio.spatial.spec import Scene


def _explain(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'scene'}: {e['msg']}"
                     for e in exc.errors(include_url=False, include_context=False, include_input=False))


def parse_scene(data: object) -> Scene:
    """Validate a scene from parsed JSON; raises ValueError naming the fields at fault."""
    try:
        return Scene.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"scene is not valid: {_explain(exc)}") from None


def load_scene(path: str | Path) -> tuple[Scene, Path]:
    """The scene in a JSON file and the folder its relative audio paths start from."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"scene file {path}: cannot read it ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"scene file {path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    return parse_scene(data), path.resolve().parent


def save_scene(scene: Scene, path: str | Path) -> None:
    """Write a scene as JSON, atomically."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".scene-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(scene.model_dump_json(indent=2, exclude_none=True))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
