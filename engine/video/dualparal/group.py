"""A device group for pipeline parallelism: ranks, point-to-point messages, time spent waiting.

Workers talk only through ``torch.distributed`` point-to-point operations: ``isend`` (not awaited
until the send buffer must be reused) and ``recv``. gloo serves CPU worker processes, NCCL serves
CUDA devices. A one-worker group makes no distributed calls at all.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.distributed as dist

_MAX_PENDING_SENDS = 8


@dataclass
class PipelineGroup:
    """This worker's place in the group and its message log."""

    rank: int = 0
    world: int = 1
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    wait_s: float = 0.0
    _pending: deque = field(default_factory=deque)

    @classmethod
    def current(cls, device: torch.device | None = None) -> PipelineGroup:
        """The group of the initialised default process group, or a one-worker group."""
        if dist.is_available() and dist.is_initialized():
            return cls(rank=dist.get_rank(), world=dist.get_world_size(), device=device or torch.device("cpu"))
        return cls(device=device or torch.device("cpu"))

    @property
    def first(self) -> bool:
        return self.rank == 0

    @property
    def last(self) -> bool:
        return self.rank == self.world - 1

    def send(self, tensor: torch.Tensor, dst: int) -> None:
        """Start sending ``tensor`` to rank ``dst``; the buffer is kept until the send completes."""
        buf = tensor.detach().contiguous()
        self._pending.append((dist.isend(buf, dst), buf))
        while len(self._pending) > _MAX_PENDING_SENDS:
            self._pending.popleft()[0].wait()

    def recv(self, shape: tuple[int, ...], dtype: torch.dtype, src: int) -> torch.Tensor:
        """Receive a tensor of known shape from rank ``src``, counting the time spent waiting."""
        buf = torch.empty(shape, dtype=dtype, device=self.device)
        started = time.perf_counter()
        dist.recv(buf, src)
        self.wait_s += time.perf_counter() - started
        return buf

    def flush(self) -> None:
        """Wait until every started send has completed."""
        while self._pending:
            self._pending.popleft()[0].wait()

    def barrier(self) -> None:
        if self.world > 1:
            dist.barrier()

    def gather(self, obj: Any) -> list[Any]:
        """Every rank's ``obj`` (in rank order), on every rank."""
        if self.world == 1:
            return [obj]
        out: list[Any] = [None] * self.world
        dist.all_gather_object(out, obj)
        return out

    def broadcast(self, obj: Any) -> Any:
        """Rank 0's ``obj`` on every rank."""
        if self.world == 1:
            return obj
        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]
