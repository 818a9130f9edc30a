"""scoring: the pipelines whose served latency and export time the benchmarks measure."""

__version__ = "0.1.0"
