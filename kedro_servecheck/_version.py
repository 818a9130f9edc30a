"""The installed version of kedro-servecheck, read once from the package metadata."""

from importlib import metadata

__version__ = metadata.version("kedro-servecheck")
