"""What paths and sizes an artifact may have (SC210, SC211, SC212), at check and at export.

The walk of `catalog.on_disk` is tested in process on real files in tmp_path (a sparse file made
by truncate, a named pipe, a socket, symlink loops); the rules on copies of fixtures/churn, with
servecheck (and the export) run in a subprocess.
"""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from kedro_servecheck.catalog.on_disk import on_disk
from kedro_servecheck.catalog.sizes import format_size, parse_size

from conftest import FIXTURES, edit, servecheck

SAMPLE = FIXTURES / "churn/data/01_raw/customers_sample.csv"
CATALOG = "conf/base/catalog.yml"
SCALER = "  type: pickle.PickleDataset\n  filepath: data/06_models/scaler.pkl\n"
PICKLE = "  type: pickle.PickleDataset\n"
SCALER_LINE = 12  # the `scaler:` entry in fixtures/churn/conf/base/catalog.yml
CANARY = "canary-credential-7f3a"
GIB = 1024**3


# -- sizes


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1 GiB", GIB),
        ("500 MB", 500 * 1000**2),
        ("1.5MiB", 1024**2 * 3 // 2),
        ("2 kib", 2048),
        ("12", 12),
        (" 3 B ", 3),
    ],
)
def test_parse_size_reads_decimal_and_binary_units(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "GiB", "1 GB!", "1 gigabyte", "-1 GiB", "1e9"])
def test_parse_size_refuses_what_is_not_a_size(text):
    with pytest.raises(ValueError, match="is not a size"):
        parse_size(text)


def test_format_size_is_in_powers_of_1024():
    assert [format_size(n) for n in (512, 2048, 5 * GIB, 1536 * 1024**2)] == [
        "512 B",
        "2.0 KiB",
        "5.0 GiB",
        "1.5 GiB",
    ]


# -- the walk: stat alone


def test_a_sparse_file_is_measured_by_stat_apparent_and_allocated(tmp_path):
    sparse = tmp_path / "model.pkl"
    sparse.write_bytes(b"x")
    os.truncate(sparse, 5 * GIB)
    found = on_disk(sparse)
    assert found is not None
    assert (found.files, found.size) == (1, 5 * GIB)
    assert found.allocated < 1024**2
    assert found.sparse


def test_a_folder_sums_its_files_through_symlinks(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model/a.bin").write_bytes(bytes(1000))
    (tmp_path / "model/sub").mkdir()
    (tmp_path / "model/sub/b.bin").write_bytes(bytes(24))
    (tmp_path / "shared.bin").write_bytes(bytes(100))
    (tmp_path / "model/link.bin").symlink_to(tmp_path / "shared.bin")
    found = on_disk(tmp_path / "model")
    assert found is not None
    assert (found.is_dir, found.files, found.size) == (True, 3, 1124)
    assert [link.target for link in found.symlinks] == [tmp_path / "shared.bin"]
    assert found.uncopyable == []


def test_special_files_and_loops_are_recorded_never_opened(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    os.mkfifo(folder / "pipe")  # opening it for reading would block this test forever
    listening = _bind(folder / "sock")
    (folder / "self").symlink_to(folder / "self")
    (folder / "up").symlink_to(folder)
    (folder / "gone").symlink_to(tmp_path / "nothing")
    try:
        found = on_disk(folder)
    finally:
        listening.close()
    assert found is not None
    assert {(entry.path.name, entry.what) for entry in found.uncopyable} == {
        ("pipe", "a named pipe (FIFO)"),
        ("sock", "a socket"),
        ("self", "a symlink loop"),
        ("up", "a symlink loop (to a folder it is in)"),
        ("gone", "a broken symlink"),
    }
    assert stat.S_ISFIFO(os.lstat(folder / "pipe").st_mode)


def test_nothing_on_disk_is_none(tmp_path):
    assert on_disk(tmp_path / "missing.pkl") is None


# -- SC211: the project root, its conf/, what a copy cannot take


def _bind(path: Path) -> socket.socket:
    """A Unix socket bound at `path` (by a relative name: a socket path has at most 107
    bytes, less than pytest's tmp_path can take)."""
    bound = socket.socket(socket.AF_UNIX)
    here = Path.cwd()
    os.chdir(path.parent)
    try:
        bound.bind(path.name)
    finally:
        os.chdir(here)
    return bound


def _churn(project_copy, catalog_entry: str | None = None) -> Path:
    """A copy of fixtures/churn with canary credentials, and the scaler's entry replaced."""
    project = project_copy("churn")
    (project / "conf/local").mkdir(exist_ok=True)
    (project / "conf/local/credentials.yml").write_text(f"db:\n  password: {CANARY}\n")
    (project / ".env").write_text(f"TOKEN={CANARY}\n")
    if catalog_entry is not None:
        edit(project, CATALOG, SCALER, catalog_entry)
    return project


def _check(project: Path, *extra: str):
    return servecheck("check", project, "--pipeline", "inference", "--format", "json", *extra)


def _export(project: Path, target: Path):
    return servecheck(
        "export", project, "--pipeline", "inference", "--model-dir", target, "--sample", SAMPLE
    )


def _findings(run, code: str) -> list[dict]:
    return [f for f in run.json()["findings"] if f["code"] == code]


def _holds_canary(folder: Path) -> list[Path]:
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and CANARY.encode() in path.read_bytes()
    ]


@pytest.mark.parametrize(
    "entry",
    [
        '  type: partitions.PartitionedDataset\n  dataset: pickle.PickleDataset\n  path: ""\n',
        '  type: partitions.PartitionedDataset\n  dataset: pickle.PickleDataset\n  path: "."\n',
        PICKLE + '  filepath: ""\n',
        PICKLE + "  filepath: data/..\n",
    ],
    ids=["path-empty", "path-dot", "filepath-empty", "filepath-dotdot"],
)
def test_an_artifact_at_the_project_root_fails_the_check_and_export(project_copy, tmp_path, entry):
    """On main the check passed, and export staged the whole project, credentials included."""
    project = _churn(project_copy, entry)
    checked = _check(project)
    assert checked.returncode == 1, checked.stderr
    (finding,) = _findings(checked, "SC211")
    assert finding["dataset"] == "scaler"
    assert finding["message"].startswith("'scaler' (.) is the project root: export would package")
    assert finding["location"]["line"] == SCALER_LINE
    exports = tmp_path / "exports"
    exports.mkdir()
    exported = _export(project, exports / "model")
    assert exported.returncode == 1, exported.stderr
    assert "Pipeline 'inference' is not servable (SC211)" in exported.stderr
    assert list(exports.iterdir()) == []  # no model, and no staged copy of conf/ left behind


def test_an_artifact_inside_conf_is_unsafe(project_copy):
    project = _churn(project_copy, PICKLE + "  filepath: conf/local/credentials.yml\n")
    checked = _check(project)
    (finding,) = _findings(checked, "SC211")
    assert (
        "(conf/local/credentials.yml) is a path inside the project's configuration (conf/)"
        in (finding["message"])
    )


def _make(kind: str, path: Path) -> socket.socket | None:
    """Put a `kind` of uncopyable entry at `path`; a bound socket is returned to close."""
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "loop":
        path.symlink_to(path)
    elif kind == "socket":
        return _bind(path)
    return None


@pytest.mark.parametrize(
    ("kind", "what"),
    [("fifo", "is a named pipe (FIFO)"), ("socket", "is a socket"), ("loop", "is a symlink loop")],
)
def test_a_special_file_as_artifact_is_an_error_not_a_hang(project_copy, kind, what):
    """On main: a FIFO or a socket passed the check (export then stopped on an internal error)."""
    project = _churn(project_copy)
    bound = _make(kind, project / "data/06_models/scaler.pkl")
    try:
        checked = _check(project)
    finally:
        if bound:
            bound.close()
    assert checked.returncode == 1, checked.stderr
    (finding,) = _findings(checked, "SC211")
    assert finding["message"] == (
        f"'scaler' (data/06_models/scaler.pkl) {what}: export cannot copy it"
    )
    assert "Traceback" not in checked.stderr


def test_export_refuses_a_fifo_even_when_sc211_is_ignored(project_copy, tmp_path):
    """Export opens no named pipe: with the rule off, it stops (exit 2) before copying."""
    project = _churn(project_copy)
    _make("fifo", project / "data/06_models/scaler.pkl")
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write('\n[tool.servecheck]\nignore = ["SC211"]\n')
    exports = tmp_path / "exports"
    exports.mkdir()
    exported = _export(project, exports / "model")
    assert exported.returncode == 2, exported.stderr
    assert "'scaler' (data/06_models/scaler.pkl) is a named pipe (FIFO)" in exported.stderr
    assert "internal error" not in exported.stderr
    assert list(exports.iterdir()) == []


# -- SC212: outside the project


def _outside(project: Path, how: str) -> Path:
    """Move the scaler out of the project and point the catalog at it, as `how` says."""
    shared = project.parent / "shared"
    shared.mkdir()
    moved = shared / "scaler.pkl"
    (project / "data/06_models/scaler.pkl").rename(moved)
    if how == "absolute":
        edit(project, CATALOG, SCALER, f"{PICKLE}  filepath: {moved}\n")
    elif how == "dotdot":
        edit(project, CATALOG, SCALER, f"{PICKLE}  filepath: ../shared/scaler.pkl\n")
    else:
        (project / "data/06_models/scaler.pkl").symlink_to(moved)
    return moved


@pytest.mark.parametrize(
    ("how", "said"),
    [
        ("absolute", "'scaler' ({moved}) is outside the project"),
        ("dotdot", "'scaler' ({moved}) is outside the project"),
        (
            "symlink",
            "'scaler' (data/06_models/scaler.pkl) resolves to {moved}, outside the project",
        ),
    ],
)
def test_an_artifact_outside_the_project_is_an_error_unless_allowed(project_copy, how, said):
    """On main all three passed the check, and export packaged a file only this machine has."""
    project = _churn(project_copy)
    moved = _outside(project, how)
    checked = _check(project)
    assert checked.returncode == 1, checked.stderr
    (finding,) = _findings(checked, "SC212")
    assert finding["message"] == said.format(moved=moved)
    text = servecheck("check", project, "--pipeline", "inference").stdout
    assert f'allowed-paths = ["{moved.parent}"] in [tool.servecheck.rules.artifact' in text
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write("\n[tool.servecheck.rules.artifact-outside-project]\n")
        pyproject.write('allowed-paths = ["../shared"]\n')
    allowed = _check(project)
    assert allowed.returncode == 0, allowed.stdout
    assert _findings(allowed, "SC212") == []


def test_an_allowed_outside_artifact_is_the_one_exported(project_copy, tmp_path):
    project = _churn(project_copy)
    moved = _outside(project, "absolute")
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write("\n[tool.servecheck.rules.artifact-outside-project]\n")
        pyproject.write(f'allowed-paths = ["{moved.parent}"]\n')
    target = tmp_path / "model"
    exported = _export(project, target)
    assert exported.returncode == 0, exported.stderr
    packaged = target / "artifacts/serving/data/scaler/scaler.pkl"
    assert packaged.read_bytes() == moved.read_bytes()
    assert _holds_canary(target) == []


# -- SC210: size


def test_a_huge_sparse_artifact_is_a_warning_naming_both_sizes(project_copy):
    """On main a 5 GiB sparse artifact passed without a word (and export copied 5 GiB)."""
    project = _churn(project_copy)
    os.truncate(project / "data/06_models/scaler.pkl", 5 * GIB)  # pickle ignores the zeros after
    checked = _check(project)
    assert checked.returncode == 0, checked.stderr
    (finding,) = _findings(checked, "SC210")
    assert finding["severity"] == "warning"
    assert finding["message"].startswith(
        "'scaler' is 5.0 GiB (data/06_models/scaler.pkl), more than max-size 1 GiB: it takes"
    )
    assert "on disk (sparse or compressed), its copy in the model all 5.0 GiB" in finding["message"]
    assert servecheck("check", project, "--pipeline", "inference", "--strict").returncode == 1


def test_the_copy_in_the_model_is_the_apparent_size(project_copy, tmp_path):
    """What SC210 warns of: export copies every byte of a sparse file (a warning does not
    block it)."""
    project = _churn(project_copy)
    scaler = project / "data/06_models/scaler.pkl"
    os.truncate(scaler, 3 * 1024**2)
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write('\n[tool.servecheck.rules.artifact-too-large]\nmax-size = "1 MiB"\n')
    (finding,) = _findings(_check(project), "SC210")
    assert "'scaler' is 3.0 MiB" in finding["message"]
    target = tmp_path / "model"
    exported = _export(project, target)
    assert exported.returncode == 0, exported.stderr
    copied = os.stat(target / "artifacts/serving/data/scaler/scaler.pkl")
    assert copied.st_size == 3 * 1024**2


def test_a_max_size_that_is_not_a_size_is_a_usage_error(project_copy):
    project = _churn(project_copy)
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write('\n[tool.servecheck.rules.artifact-too-large]\nmax-size = "big"\n')
    checked = _check(project)
    assert checked.returncode == 2
    assert "'big' is not a size" in checked.stderr
    assert "pyproject.toml:" in checked.stderr
    assert "Traceback" not in checked.stderr
