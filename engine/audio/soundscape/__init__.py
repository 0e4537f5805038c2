"""Soundscape augmentation: which masker, at what gain, makes a place pleasant.

A recording of a place and a bank of masker sounds (``maskers``: masker-source plugins and folders)
become time x third-octave band power features once (cached on disk); every masker x gain combination is
then mixed in the feature domain (power addition), its psychoacoustic indicators are computed
vectorised, and a pleasantness model (``model.py``, fitted on the International Soundscape Database)
predicts ISO/TS 12913-3 ISOPleasant and ISOEventful. Following Watcharasupat et al. (2022), "Autonomous
In-Situ Soundscape Augmentation via Joint Selection of Masker and Gain".
"""
