"""On PYTHONPATH, makes this interpreter one where kedro-mlflow is not installed.

CI has kedro-mlflow (the tests compare servecheck with it), and pre-commit's isolated
environment does not. Python imports `sitecustomize` at start-up: this one puts a finder in
the place of the path finder that finds neither the `kedro_mlflow` package nor the
`kedro-mlflow` distribution (its metadata, its entry points), and everything else as before.
"""

import importlib.machinery
import os
import sys

# SERVECHECK_TEST_HIDE names another package to hide the same way (tests/test_spark.py: pyspark)
HIDDEN_PACKAGE = os.environ.get("SERVECHECK_TEST_HIDE", "kedro_mlflow")
HIDDEN_DISTRIBUTION = HIDDEN_PACKAGE.replace("_", "-")


class PathFinderWithoutKedroMlflow:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] == HIDDEN_PACKAGE:
            return None
        return importlib.machinery.PathFinder.find_spec(name, path, target)

    @staticmethod
    def find_distributions(*args, **kwargs):
        return (
            distribution
            for distribution in importlib.machinery.PathFinder.find_distributions(*args, **kwargs)
            if distribution.metadata["Name"].lower().replace("_", "-") != HIDDEN_DISTRIBUTION
        )

    @staticmethod
    def invalidate_caches():
        importlib.machinery.PathFinder.invalidate_caches()


sys.meta_path[sys.meta_path.index(importlib.machinery.PathFinder)] = PathFinderWithoutKedroMlflow
