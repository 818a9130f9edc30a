"""The `servecheck` command line: check (the default), rules, rule, export, graph."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click
import yaml

from kedro_servecheck._version import __version__
from kedro_servecheck.draw.picture import FORMATS as DRAWINGS
from kedro_servecheck.errors import (
    INTERRUPTED,
    INTERRUPTED_EXIT_CODE,
    ServecheckError,
    UsageError,
)
from kedro_servecheck.quiet_logging import stdout_reserved
from kedro_servecheck.redaction import redact
from kedro_servecheck.report import FORMATS

if TYPE_CHECKING:
    from kedro_servecheck.exporter.backend import ExportOptions, ExportResult
    from kedro_servecheck.exporter.requirements import Pin
    from kedro_servecheck.report.report import Report


class _DefaultToCheck(click.Group):
    """`servecheck [OPTIONS] [PATH]` means `servecheck check [OPTIONS] [PATH]`; Ctrl-C while
    click reads the command line is exit 130 in one line, as it is in a command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (
            args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")
        ):
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        with _interrupt_exits():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with _interrupt_exits():
            return super().invoke(ctx)


@contextlib.contextmanager
def _interrupt_exits() -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt:
        raise click.exceptions.Exit(_interrupted(debug=False)) from None


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kedro-servecheck")
def cli() -> None:
    """Check that a Kedro pipeline can be served as an MLflow model.

    Without a command, runs `check` on the current folder: `servecheck --strict` is a CI gate.
    """


def _split_params(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, Any] | None:
    """`--params a=1,b.c=x` (repeatable) into a nested dict, by `kedro run --params`'s own
    parser: keys with dots nest, values are YAML."""
    from kedro.framework.cli.utils import _split_params as kedro_split_params

    if not values:
        return None
    try:
        parsed = kedro_split_params(ctx, param, ",".join(values))
    except yaml.YAMLError as exc:  # a value that is not YAML
        problem = " ".join(str(exc).split())
        raise click.BadParameter(f"a value is not valid YAML ({problem})", ctx, param) from exc
    except click.UsageError as exc:  # an item without `=`, an empty key
        raise click.BadParameter(exc.message, ctx, param) from exc
    return {str(key): value for key, value in parsed.items()} or None


def _split_load_versions(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    """`--load-versions model:VERSION[,…]` (repeatable), by `kedro run`'s own parser."""
    from kedro.framework.cli.utils import KedroCliError
    from kedro.framework.cli.utils import _split_load_versions as kedro_split_load_versions

    try:
        return kedro_split_load_versions(ctx, param, ",".join(values))
    except KedroCliError as exc:
        raise click.BadParameter(str(exc), ctx, param) from exc


def _in_a_folder(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """`--output-file`: its folder must exist (said before the project is loaded)."""
    if value is None or value.parent.is_dir():
        return value
    problem = "is a file, not a folder" if value.parent.exists() else "does not exist"
    raise click.BadParameter(
        f"the folder '{value.parent}' {problem}: create the folder, or write the file elsewhere",
        ctx,
        param,
    )


_PARAMS = click.option(
    "--params",
    multiple=True,
    callback=_split_params,
    metavar="K=V[,K=V]",
    help="Runtime parameters, as for `kedro run --params` (export freezes them into the model).",
)
_STUB_MISSING = click.option(
    "--stub-missing/--no-stub-missing",
    default=None,
    help="Stand stubs in for third-party packages the project imports that are not installed "
    "here (SC402), instead of a load error (pre-commit's isolated hook passes it). Default: "
    "`stub-missing` in [tool.servecheck].",
)
_LOAD_VERSIONS = click.option(
    "--load-versions",
    multiple=True,
    callback=_split_load_versions,
    metavar="DATASET:VERSION[,…]",
    help="The version of a versioned dataset to check (and export), as for `kedro run "
    "--load-versions`. Default: the newest on disk.",
)


def _split_spark_conf(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    """Each `--spark-conf KEY=VALUE`, in order (a later KEY wins)."""
    conf = {}
    for value in values:
        key, equals, setting = value.partition("=")
        if not (equals and key.strip()):
            raise click.BadParameter(f"'{value}' is not KEY=VALUE", ctx, param)
        conf[key.strip()] = setting
    return conf


def _default_format() -> str:
    """`concise` under pre-commit (it sets PRE_COMMIT=1), else `text`."""
    return "concise" if os.environ.get("PRE_COMMIT") == "1" else "text"


@cli.command()
@click.argument("path", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "-p",
    "--pipeline",
    "pipelines",
    multiple=True,
    metavar="NAME",
    help="Registered pipeline to check (repeatable). Default: [tool.servecheck], "
    "else every kedro-mlflow PipelineML, else 'inference'.",
)
@click.option(
    "--input",
    "input_",
    metavar="NAME",
    help="The data input (the data to predict on). Default: inferred.",
)
@click.option(
    "--output", metavar="NAME", help="The output to serve; the pipeline is pruned to what it needs."
)
@click.option(
    "-e",
    "--env",
    metavar="ENV",
    help="Kedro config environment. Default: the run env (local), or base without it.",
)
@_PARAMS
@_LOAD_VERSIONS
@click.option(
    "--strict/--no-strict",
    default=None,
    help="Warnings fail the check too (exit 1). Default: `strict` in [tool.servecheck].",
)
@click.option(
    "--require-artifacts/--no-require-artifacts",
    default=None,
    help="A gate after training: an artifact a pipeline would produce must be on disk "
    "(SC202/SC203 instead of SC208). Default: `require-artifacts` in [tool.servecheck]; "
    "--export implies it.",
)
@_STUB_MISSING
@click.option(
    "--exit-zero",
    is_flag=True,
    default=None,
    help="Exit 0 even when findings fail the check (also `exit-zero = true`).",
)
@click.option(
    "-f",
    "--format",
    "format_",
    type=click.Choice(FORMATS),
    default=_default_format,
    help="Report format. Default: text, or concise when PRE_COMMIT=1 (pre-commit sets it).",
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=_in_a_folder,
    help="Write the report to this file instead of standard output.",
)
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Only these rule codes or prefixes (comma-separated, repeatable; ALL), "
    "instead of `select` in [tool.servecheck].",
)
@click.option(
    "--extend-select",
    multiple=True,
    metavar="CODES",
    help="Also these rule codes or prefixes (comma-separated, repeatable).",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODES",
    help="Skip these rule codes or prefixes (comma-separated, repeatable), on top "
    "of `ignore` in [tool.servecheck].",
)
@click.option(
    "--show-settings",
    is_flag=True,
    help="Print the effective settings (TOML; JSON with --format json) and exit.",
)
@click.option(
    "--export",
    "export_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="When the check passes, export the pipeline to DIR as a "
    "verified MLflow model (see `servecheck export`).",
)
@click.option(
    "--sample",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    metavar="FILE",
    help="With --export: rows to predict on (the input example).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks.")
def check(
    path: Path,
    pipelines: tuple[str, ...],
    input_: str | None,
    output: str | None,
    env: str | None,
    params: dict[str, Any] | None,
    load_versions: dict[str, str],
    strict: bool | None,
    require_artifacts: bool | None,
    stub_missing: bool | None,
    exit_zero: bool | None,
    format_: str,
    output_file: Path | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    show_settings: bool,
    export_dir: Path | None,
    sample: Path | None,
    debug: bool,
) -> None:
    """Check the serving pipelines of the Kedro project at PATH (default: .).

    Exit codes: 0 nothing fails the check, 1 findings fail it (errors; with --strict also
    warnings), 2 usage error or the project cannot be loaded.
    """

    def run(stdout: TextIO) -> int:
        from kedro_servecheck.api import _load, _run, _targets
        from kedro_servecheck.lint.settings import Overrides, render_settings
        from kedro_servecheck.report import formatter

        overrides = Overrides(
            select=select or None,
            extend_select=extend_select,
            ignore=ignore,
            strict=strict,
            exit_zero=exit_zero,
            require_artifacts=True if export_dir else require_artifacts,
            stub_missing=stub_missing,
        )
        project, settings = _load(
            path, env=env, params=params, load_versions=load_versions, overrides=overrides
        )
        if show_settings:
            specs = _targets(project, settings, pipelines, input_, output)
            shown = settings.to_dict(project.env, specs)
            click.echo(render_settings(shown, as_json=format_ == "json"), nl=False, file=stdout)
            return 0
        report = _run(project, settings, pipelines, input=input_, output=output)
        _emit(formatter(format_), report, output_file, stdout)
        if export_dir and not report.failed:
            from kedro_servecheck.exporter.backend import ExportOptions

            options = ExportOptions(
                model_dir=export_dir,
                sample=sample,
                verify=True,
                progress=_progress,
                copying=_CopyMeter(),
            )
            _export_checked(report, options, stdout)
        elif export_dir:
            click.echo(f"servecheck: not exporting to {export_dir}: the check failed", err=True)
        return 0 if settings.exit_zero else report.exit_code

    sys.exit(_guarded(run, debug))


@cli.command("graph")
@click.argument("path", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "-p",
    "--pipeline",
    metavar="NAME",
    help="The registered pipeline to draw. Default: the first one `check` picks.",
)
@click.option("--input", "input_", metavar="NAME", help="The data input. Default: inferred.")
@click.option(
    "--output", metavar="NAME", help="The output to serve; the pipeline is pruned to what it needs."
)
@click.option("-e", "--env", metavar="ENV", help="Kedro config environment.")
@_PARAMS
@_LOAD_VERSIONS
@_STUB_MISSING
@click.option(
    "-f",
    "--format",
    "format_",
    type=click.Choice([*DRAWINGS, "html"]),
    default="mermaid",
    show_default=True,
    help="dot is Graphviz; html is the HTML report of the pipeline.",
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=_in_a_folder,
    help="Write the drawing to this file instead of standard output.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks.")
def graph_command(
    path: Path,
    pipeline: str | None,
    input_: str | None,
    output: str | None,
    env: str | None,
    params: dict[str, Any] | None,
    load_versions: dict[str, str],
    stub_missing: bool | None,
    format_: str,
    output_file: Path | None,
    debug: bool,
) -> None:
    """Draw the serving pipeline of the Kedro project at PATH, left to right.

    Free inputs are coloured by role, the output is marked, and every dataset or node with a
    finding is outlined in its severity's colour. The check runs so that findings are known,
    but the exit code is 0 whatever it finds (2: the project cannot be loaded).
    """

    def run(stdout: TextIO) -> int:
        from kedro_servecheck.api import _load, _run, _targets
        from kedro_servecheck.draw.picture import Picture, draw, notes
        from kedro_servecheck.lint.settings import Overrides
        from kedro_servecheck.report import formatter

        project, settings = _load(
            path,
            env=env,
            params=params,
            load_versions=load_versions,
            overrides=Overrides(stub_missing=stub_missing),
        )
        specs = _targets(project, settings, (pipeline,) if pipeline else (), input_, output)
        report = _run(project, settings, [specs[0].name], input=input_, output=output)
        analysis = report.analyses[0]
        if format_ == "html":
            picture = Picture(formatter("html")(report, False), notes(analysis))
        else:
            picture = draw(analysis, report.findings_of(analysis), format_)
        _emit(lambda _report, _color: picture.text, report, output_file, stdout)
        if len(specs) > 1:
            others = ", ".join(spec.name for spec in specs[1:])
            click.echo(
                f"servecheck graph: drew '{specs[0].name}'; also served: {others} "
                "(choose with --pipeline)",
                err=True,
            )
        for note in picture.notes:
            click.echo(f"servecheck graph: {note}", err=True)
        return 0

    sys.exit(_guarded(run, debug))


def _doc_format(*formats: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "-f",
        "--format",
        "format_",
        type=click.Choice(formats),
        default="text",
        show_default=True,
        help="Output format.",
    )


@cli.command("rules")
@_doc_format("text", "json", "markdown")
def rules_command(format_: str) -> None:
    """List the rule catalogue: code, name, default severity and when each fires.

    `--format markdown` prints the table of the README.
    """
    from kedro_servecheck.lint.docs import rules_table
    from kedro_servecheck.lint.registry import ALL_RULES

    if format_ == "markdown":
        click.echo(rules_table(), nl=False)
        return
    if format_ == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "code": rule.code,
                        "name": rule.name,
                        "severity": rule.severity.value,
                        "summary": rule.summary,
                    }
                    for rule in ALL_RULES
                ],
                indent=2,
            )
        )
        return
    for rule in ALL_RULES:
        click.echo(f"{rule.code}  {rule.name:<30} {rule.severity.value:<8} {rule.summary}")


@cli.command("rule")
@click.argument("code")
@_doc_format("text", "json")
def rule_command(code: str, format_: str) -> None:
    """Explain the rule CODE: what it does, why it matters, an example and the fix."""
    from kedro_servecheck.lint.docs import rule_dict, rule_markdown
    from kedro_servecheck.lint.registry import RULES_BY_CODE

    rule = RULES_BY_CODE.get(code.upper())
    if rule is None:
        raise click.BadParameter(
            f"no rule '{code}'; `servecheck rules` lists them", param_hint="CODE"
        )
    click.echo(json.dumps(rule_dict(rule), indent=2) if format_ == "json" else rule_markdown(rule))


@cli.command("export")
@click.argument("path", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "-p",
    "--pipeline",
    metavar="NAME",
    help="The registered pipeline to export. Default: the one `check` picks.",
)
@click.option("--input", "input_", metavar="NAME", help="The data input. Default: inferred.")
@click.option(
    "--output",
    metavar="NAME",
    help="The output to serve; the pipeline is pruned to what it needs (as in check).",
)
@click.option(
    "-d",
    "--model-dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Write the model to DIR (it must not exist, unless --force).",
)
@click.option(
    "--sample",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    metavar="FILE",
    help="CSV, Parquet or JSON rows to predict on: the input example. "
    "Default: a few rows of the data input's catalog entry.",
)
@click.option(
    "--verify",
    is_flag=True,
    help="Load the model in a fresh process and compare with Kedro's own run.",
)
@click.option("--force", is_flag=True, help="Replace an existing model folder.")
@click.option("-e", "--env", metavar="ENV", help="Kedro config environment.")
@_PARAMS
@_LOAD_VERSIONS
@click.option(
    "--tracking-uri",
    metavar="URI",
    help="Log the model to this MLflow tracking server (e.g. sqlite:///mlflow.db). Default: "
    "MLFLOW_TRACKING_URI, else server.mlflow_tracking_uri of kedro-mlflow's mlflow.yml.",
)
@click.option(
    "--experiment",
    metavar="NAME",
    help="Log into this experiment. Default: tracking.experiment.name of mlflow.yml.",
)
@click.option("--run-name", metavar="NAME", help="The name of the run that logs the model.")
@click.option("--register", metavar="NAME", help="Register the logged model under NAME.")
@click.option(
    "--alias", metavar="NAME", help="Set this alias on the registered version (models:/NAME@ALIAS)."
)
@click.option(
    "--pip-requirements",
    metavar="FILE|LIST",
    help="The model's requirements instead of the inferred ones, as MLflow's "
    "pip_requirements: a requirements file (MLflow expands its -r and -c lines), or a "
    "comma-separated list ('pandas>=2.2,<3,scikit-learn==1.4.2'). MLflow adds mlflow if "
    "missing.",
)
@click.option(
    "--extra-pip-requirements",
    metavar="FILE|LIST",
    help="Requirements added to the inferred ones (a file or a comma-separated list); a list "
    "item naming an inferred distribution narrows its pin, and the version installed here "
    "must satisfy it. Not with --pip-requirements.",
)
@click.option(
    "--pin",
    type=click.Choice(["exact", "compatible"]),
    help="How the inferred requirements are pinned to the versions installed here: exact "
    "writes name==1.2.3; compatible writes name~=1.2 (1.2 or any later 1.x release; a "
    "pre-release stays exact), for a model installed next to other packages. Local version "
    "labels (+cpu) are dropped. Default: exact. Not with --pip-requirements.",
)
@click.option(
    "--spark-master",
    metavar="URL",
    help="For a spark data input: the master of the SparkSession the model starts at load. "
    "Default: local[*].",
)
@click.option(
    "--spark-conf",
    multiple=True,
    callback=_split_spark_conf,
    metavar="KEY=VALUE",
    help="For a spark data input: a config of the model's SparkSession (repeatable).",
)
@_STUB_MISSING
@click.option("--debug", is_flag=True, help="Show tracebacks.")
def export_command(
    path: Path,
    pipeline: str | None,
    input_: str | None,
    output: str | None,
    model_dir: Path | None,
    sample: Path | None,
    verify: bool,
    force: bool,
    env: str | None,
    params: dict[str, Any] | None,
    load_versions: dict[str, str],
    tracking_uri: str | None,
    experiment: str | None,
    run_name: str | None,
    register: str | None,
    alias: str | None,
    pip_requirements: str | None,
    extra_pip_requirements: str | None,
    pin: Pin | None,
    spark_master: str | None,
    spark_conf: dict[str, str],
    stub_missing: bool | None,
    debug: bool,
) -> None:
    """Check the pipeline, then export it as an MLflow pyfunc model (models-from-code).

    The export is refused (exit 1, findings printed) when the check has an error finding. The
    model is written to a temp folder and moved into place at the end: a failure leaves nothing.
    """

    def run(stdout: TextIO) -> int:
        from kedro_servecheck.api import _check_for_export
        from kedro_servecheck.exporter.backend import ExportOptions
        from kedro_servecheck.exporter.spark import SparkOptions
        from kedro_servecheck.exporter.user_requirements import user_requirements

        options = ExportOptions(
            model_dir=model_dir,
            sample=sample,
            verify=verify,
            force=force,
            tracking_uri=tracking_uri,
            experiment=experiment,
            run_name=run_name,
            register=register,
            alias=alias,
            pip_requirements=user_requirements(pip_requirements, "--pip-requirements"),
            extra_pip_requirements=user_requirements(
                extra_pip_requirements, "--extra-pip-requirements"
            ),
            pin=pin,
            spark=SparkOptions(spark_master, spark_conf),
            progress=_progress,
            copying=_CopyMeter(),
        )
        options.progress("load and check")
        report = _check_for_export(
            path,
            pipeline,
            input=input_,
            output=output,
            env=env,
            params=params,
            load_versions=load_versions,
            stub_missing=stub_missing,
        )
        _export_checked(report, options, stdout)
        return 0

    sys.exit(_guarded(run, debug))


def _export_checked(report: Report, options: ExportOptions, stdout: TextIO) -> None:
    """Export what `report` checked; when findings block it, show the report first."""
    from kedro_servecheck.errors import ExportBlocked
    from kedro_servecheck.exporter.backend import export_report
    from kedro_servecheck.report import formatter

    try:
        result = export_report(report, options)
    except ExportBlocked:
        _emit(formatter("text"), report, None, stdout)
        raise
    _say_exported(result, options.model_dir)


def _say_exported(result: ExportResult, output: Path | None) -> None:
    where = f" to {output}" if output else ""
    checked = ", verified against Kedro's own run" if result.verified else ""
    click.echo(
        f"Exported pipeline '{result.pipeline}'{where}: {len(result.artifacts)} "
        f"artifact(s), {len(result.requirements)} requirements{checked}.",
        err=True,
    )
    if result.model_uri:
        click.echo(f"Logged model: {result.model_uri}", err=True)
    for warning in result.warnings:
        click.echo(f"servecheck export: warning: {warning}", err=True)


def _progress(step: str) -> None:
    if sys.stderr.isatty():
        click.echo(f"servecheck export: {step}…", err=True)


class _CopyMeter:
    """How far the copy of a large artifact has got, on one line of stderr (a terminal only)."""

    LARGE = 64 << 20  # bytes: smaller artifacts are copied without a word
    EVERY = 0.1  # seconds between two updates of the line

    def __init__(self) -> None:
        self.shown = 0.0

    def __call__(self, dataset: str, done: int, total: int) -> None:
        if total < self.LARGE or not sys.stderr.isatty():
            return
        now = time.monotonic()
        if done < total and now - self.shown < self.EVERY:
            return
        self.shown = now
        click.echo(
            f"\rservecheck export: copying '{dataset}': {_bytes(done)} of {_bytes(total)} "
            f"({done * 100 // total}%)",
            err=True,
            nl=done >= total,
        )


def _bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024:
            return f"{size:.1f} {unit}" if unit != "B" else f"{count} B"
        size /= 1024
    return f"{size:.1f} TiB"


def _emit(
    render: Callable[[Report, bool], str],
    report: Report,
    output_file: Path | None,
    stdout: TextIO,
) -> None:
    if output_file:
        try:
            output_file.write_text(render(report, False), encoding="utf-8")
        except OSError as exc:
            raise UsageError(
                f"Cannot write the output file {output_file}: {exc.strerror or exc}",
                hint="choose a file in a folder you can write to (--output-file)",
            ) from exc
    else:
        click.echo(render(report, stdout.isatty()), nl=False, file=stdout)


def _guarded(run: Callable[[TextIO], int], debug: bool) -> int:
    """Run `run` with stdout reserved for what it writes to the stream it is given (the
    report), turning a ServecheckError into one clear message on stderr and its exit code.
    The project's code calling `sys.exit()` is an error at its line (exit 2), Ctrl-C is exit
    130; anything else is a bug in servecheck, said in one line (exit 2). `--debug` adds the
    traceback and changes nothing else. Secrets are redacted from all of it."""
    try:
        with stdout_reserved() as stdout:
            return run(stdout)
    except KeyboardInterrupt:
        return _interrupted(debug)
    except SystemExit as exc:  # `run` never exits: the project's code did
        from kedro_servecheck.load.diagnose import exit_error
        from kedro_servecheck.load.project import loaded_root

        return _failed(exit_error(None, exc, loaded_root()), debug)
    except ServecheckError as exc:
        return _failed(exc, debug)
    except Exception as exc:  # a bug in servecheck: say so, short of a traceback
        _print_traceback(debug)
        click.echo(
            redact(
                f"servecheck: internal error: {type(exc).__name__}: {exc}\n"
                "  run again with --debug for the traceback, and report it"
            ),
            err=True,
        )
        return 2


def _failed(error: ServecheckError, debug: bool) -> int:
    _print_traceback(debug)
    click.echo(f"servecheck: error: {error}", err=True)
    return error.exit_code


def _interrupted(debug: bool) -> int:
    _print_traceback(debug)
    click.echo(INTERRUPTED, err=True)
    return INTERRUPTED_EXIT_CODE


def _print_traceback(debug: bool) -> None:
    """With --debug, the traceback of the exception being handled, secrets redacted."""
    if debug:
        click.echo(redact(traceback.format_exc()), err=True, nl=False)
