"""The rules, one module per family of codes; `kedro_servecheck.lint.registry` lists them."""
