"""A job kind: its params (a pydantic model) and its runner (runs in an engine worker process)."""

from engine.jobs.context import JobContext
from engine.spec import Params


class ReverseParams(Params):
    text: str


def run(params: ReverseParams, ctx: JobContext) -> dict:
    ctx.progress(0.5, "reversing")
    ctx.output_path("reversed.txt").write_text(params.text[::-1])
    return {"length": len(params.text)}
