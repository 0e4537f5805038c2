"""Audio analysis: direction-of-arrival estimation, the DCASE SELD metrics and metadata format."""
