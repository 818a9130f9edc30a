"""spaceflights: Kedro's spaceflights tutorial project, with an inference pipeline."""

__version__ = "0.1.0"
