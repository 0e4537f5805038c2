"""The video room: the shapes world, model loading (builtin or Wan folders), samplers, training.

``spec`` holds the ``video.generate`` job kind (pure pydantic); ``generate`` is its runner.
"""
