"""Command-line tools of the soundscape room: fit the pleasantness model, synthesise the example soundscape,
train on ARAUS. Run as ``python -m engine.audio.soundscape.tools.<name>``."""
