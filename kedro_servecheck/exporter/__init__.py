"""The export backend: a checked, servable pipeline -> a verified MLflow pyfunc model.

`kedro_servecheck.export()` (api.py) and `servecheck export` use `backend.export_report`.
"""
