"""DualParal: block-wise long-video denoising on diffusers' Wan classes, pipelined across workers.

The entry point is ``generate_long_video(factory, request, workers=..., on_block=...)`` (see ``api``);
``README.md`` in this folder describes the method, the parallelism and how to start workers under
``torchrun``. Modules: ``plan`` (the block queue), ``attention`` (window attention processor with the
feature cache), ``stages`` (Wan cut into pipeline stages), ``sampler`` (one worker's loop), ``group``
(torch.distributed point-to-point), ``decode`` (streaming causal VAE decode), ``cache`` (regenerate
from a time), ``baselines`` (``full`` and ``window``), ``parts`` (model bundle, tiny random model),
``worker`` (the ``torchrun`` entry).
"""

from engine.video.dualparal.api import generate_long_video
from engine.video.dualparal.parts import WanParts, tiny_random_parts
from engine.video.dualparal.request import LongVideoRequest
from engine.video.dualparal.sampler import BlockOutput

__all__ = ["BlockOutput", "LongVideoRequest", "WanParts", "generate_long_video", "tiny_random_parts"]
