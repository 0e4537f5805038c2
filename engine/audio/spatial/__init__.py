"""Spatial audio: scenes and trajectories, binaural / Ambisonics / stereo / mic-array renderers, rooms."""
