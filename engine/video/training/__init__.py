"""Training the builtin shapes model: autoencoder first (until it passes its gate), then the transformer.

``driver`` is the resumable, staged entry point (``python -m engine.video.training.driver``); see the
README beside it for how long it ran, on what, and how to resume.
"""
