"""Export safety: what `--force` may replace, the claim on the target, what a killed export
leaves, the exporting machine's paths, targets that cannot be written, large and sparse
artifacts (issue 13: items 1, 5, 9, 10, 11, 15)."""

from __future__ import annotations

import hashlib
import os
import pickle
import pty
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, servecheck

CHURN_SAMPLE = FIXTURES / "churn/data/01_raw/customers_sample.csv"
EXPORT = ("export", "--pipeline", "inference", "--sample", CHURN_SAMPLE)
STAGE_PREFIX = ".servecheck-export-"
VERIFY_PREFIX = "servecheck-verify-"


def _export_args(project: Path | str, target: Path | str, *extra: str) -> list[str]:
    return [*EXPORT[:1], str(project), *map(str, EXPORT[1:]), "--model-dir", str(target), *extra]


def _start(project: Path | str, target: Path, *extra: str, env: dict | None = None):
    """A servecheck export running in its own process group (so it can be killed whole)."""
    return subprocess.Popen(
        [sys.executable, "-m", "kedro_servecheck", *_export_args(project, target, *extra)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )


def _tree(folder: Path) -> dict[str, str]:
    """Every entry under `folder` (Python's caches aside): a file's sha256, or what it is."""
    tree = {}
    for path in sorted(folder.rglob("*")):
        if "__pycache__" in path.parts:
            continue
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            tree[relative] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            tree[relative] = "dir"
        else:
            tree[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return tree


def _wait_for(found, timeout: float = 180.0):
    """Poll `found()` until it returns something true; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out")


def _entries(folder: Path, prefix: str) -> list[Path]:
    return sorted(path for path in folder.iterdir() if path.name.startswith(prefix))


def _model_uuid(model: Path) -> str:
    for line in (model / "MLmodel").read_text().splitlines():
        if line.startswith("model_uuid:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("no model_uuid")


# 1: what --force may replace


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (".", "is the project's own folder"),
        ("{root}", "is the project's own folder"),
        ("..", "holds the project"),
        ("{link}", "is the project's own folder"),  # a symlink to the project
        ("data/06_models", "holds 'classifier' (data/06_models/classifier.pkl)"),
        ("conf", "is inside the project's configuration (conf/)"),
        ("conf/local/model", "is inside the project's configuration (conf/)"),
        ("src/churn", "is inside the project's code (src/)"),
        ("{other}", "is not an MLflow model (it has no MLmodel file)"),
    ],
)
def test_force_never_replaces_the_project_its_config_code_artifacts_or_a_non_model(
    project_copy, tmp_path, target, expected
):
    project = project_copy("churn")
    other = tmp_path / "notes"
    other.mkdir()
    (other / "todo.txt").write_text("mine")
    (tmp_path / "link").symlink_to(project)
    target = target.format(root=project, link=tmp_path / "link", other=other)
    before = _tree(tmp_path)
    run = servecheck(*_export_args(".", target, "--force"), cwd=project)
    assert run.returncode == 2, run.stdout + run.stderr
    assert expected in run.stderr
    assert "hint:" in run.stderr
    assert "internal error" not in run.stderr
    assert "Traceback" not in run.stderr
    assert _tree(tmp_path) == before  # nothing deleted, nothing left


def test_force_replaces_a_previous_export(tmp_path):
    target = tmp_path / "model"
    first = servecheck(*_export_args("fixtures/churn", target))
    assert first.returncode == 0, first.stderr
    previous = _model_uuid(target)
    again = servecheck(*_export_args("fixtures/churn", target))
    assert again.returncode == 2
    assert "already exists" in again.stderr
    assert _model_uuid(target) == previous
    forced = servecheck(*_export_args("fixtures/churn", target, "--force"))
    assert forced.returncode == 0, forced.stderr
    assert _model_uuid(target) != previous
    assert [path.name for path in tmp_path.iterdir()] == ["model"]  # no scratch left


# 5: the target is claimed once


def test_two_concurrent_exports_to_one_target_one_wins(tmp_path):
    target = tmp_path / "model"
    exports = [_start("fixtures/churn", target) for _ in range(2)]
    results = [(export.wait(timeout=300), *export.communicate()) for export in exports]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    (loser,) = [stderr for code, _, stderr in results if code == 2]
    assert any(
        why in loser for why in ("Another servecheck export", "already exists", "appeared")
    ), loser
    assert "internal error" not in loser
    assert (target / "MLmodel").is_file()
    assert [path.name for path in tmp_path.iterdir()] == ["model"]


def test_a_folder_that_appears_during_the_export_is_not_replaced(tmp_path):
    target = tmp_path / "model"
    export = _start("fixtures/churn", target)
    _wait_for(lambda: _entries(tmp_path, STAGE_PREFIX))  # claimed, model being built
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    code = export.wait(timeout=300)
    _, stderr = export.communicate()
    assert code == 2, stderr
    assert "appeared while the model was being exported: nothing was replaced" in stderr
    assert [path.name for path in target.iterdir()] == ["mine.txt"]
    assert [path.name for path in tmp_path.iterdir()] == ["model"]


# 9: what a killed export leaves, the next one removes


_HOLD_A_LOCK = """
import fcntl, os, sys, time
folder = sys.argv[1] + str(os.getpid()) + "-abcdefgh"
os.mkdir(folder)
fd = os.open(os.path.join(folder, ".servecheck-lock"), os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print(folder, flush=True)
time.sleep(600)
"""


def test_the_next_export_removes_what_a_killed_one_left(tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {"TMPDIR": str(temp)}
    target = tmp_path / "model"
    killed = _start("fixtures/churn", target, "--verify", env=env)
    _wait_for(lambda: _entries(temp, VERIFY_PREFIX))  # the model is saved, being verified
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait(timeout=60)
    killed.communicate()
    left = _entries(tmp_path, STAGE_PREFIX) + _entries(temp, VERIFY_PREFIX)
    assert len(left) == 2, left

    # What is not ours, or is a live export's, stays.
    not_ours = [tmp_path / f"{STAGE_PREFIX}mine", temp / f"{VERIFY_PREFIX}mine"]
    for folder in not_ours:
        folder.mkdir()
        (folder / "keep.txt").write_text("mine")
    live = subprocess.Popen(
        [sys.executable, "-c", _HOLD_A_LOCK, str(temp / VERIFY_PREFIX)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        live_folder = Path(live.stdout.readline().strip())
        run = servecheck(*_export_args("fixtures/churn", target, "--verify"), env=env)
        assert run.returncode == 0, run.stderr
        assert live_folder.is_dir()
    finally:
        live.kill()
        live.wait()
    assert (target / "MLmodel").is_file()
    assert not [path for path in left if path.exists()]
    assert all((folder / "keep.txt").is_file() for folder in not_ours)
    assert _entries(temp, VERIFY_PREFIX) == sorted([not_ours[1], live_folder])
    assert _entries(tmp_path, STAGE_PREFIX) == [not_ours[0]]


# 10: no path of the exporting machine in the model


def _paths_of(*folders: Path) -> list[bytes]:
    return sorted({form.encode() for f in folders for form in (str(f), str(f.resolve()))})


def test_no_file_of_the_model_names_the_project_or_the_home_folder(tmp_path):
    home = tmp_path / "home"
    project = home / "work" / "churn"
    shutil.copytree(FIXTURES / "churn", project, ignore=shutil.ignore_patterns("__pycache__"))
    target = home / "models" / "churn"
    run = servecheck(*_export_args(project, target, "--verify"), env={"HOME": str(home)})
    assert run.returncode == 0, run.stderr
    needles = _paths_of(project, home)
    for path in target.rglob("*"):
        if path.is_file():  # every file, pickles included
            data = path.read_bytes()
            assert not [needle for needle in needles if needle in data], path
    assert "absolute path" not in run.stderr


def test_the_users_own_bytes_holding_a_path_are_copied_as_they_are_and_named(
    project_copy, tmp_path
):
    project = project_copy("churn")
    scaler = project / "data/06_models/scaler.pkl"
    with scaler.open("ab") as stream:  # pickle.load stops at the end of the first object
        stream.write(f"built in {project}/notebooks".encode())
    target = tmp_path / "model"
    run = servecheck(*_export_args(project, target, "--verify"))
    assert run.returncode == 0, run.stderr
    copied = target / "artifacts/serving/data/scaler/scaler.pkl"
    assert copied.read_bytes() == scaler.read_bytes()
    assert "artifacts/serving/data/scaler/scaler.pkl in the model hold(s) an absolute path" in (
        " ".join(run.stderr.split())
    )


# 11: targets that cannot be written


def test_a_target_under_a_file_says_so(tmp_path):
    (tmp_path / "somefile").write_text("not a folder")
    for target in ("somefile/model", "somefile/deeper/model"):
        run = servecheck(*_export_args("fixtures/churn", tmp_path / target))
        assert run.returncode == 2, run.stderr
        assert "somefile is a file, not a folder" in run.stderr
        assert "hint: choose a --model-dir whose parents are folders" in run.stderr
        assert "internal error" not in run.stderr
    assert [path.name for path in tmp_path.iterdir()] == ["somefile"]


def _read_only_mount_works(folder: Path) -> bool:
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o ro tmpfs '{folder}'"],
        capture_output=True,
    )
    return shutil.which("unshare") is not None and probe.returncode == 0


def test_a_target_on_a_read_only_file_system_says_so(tmp_path):
    """A real read-only mount (tmpfs, in a user and mount namespace): chmod does not stop
    root, which these tests may run as."""
    read_only = tmp_path / "ro"
    read_only.mkdir()
    if not _read_only_mount_works(read_only):
        pytest.skip("no user namespaces to mount a read-only file system in")
    for target in (read_only / "model", read_only / "new" / "model"):
        command = " ".join(
            f"'{arg}'"
            for arg in [
                sys.executable,
                "-m",
                "kedro_servecheck",
                *_export_args("fixtures/churn", target),
            ]
        )
        done = subprocess.run(
            [
                "unshare",
                "-rm",
                "sh",
                "-c",
                f"mount -t tmpfs -o ro tmpfs '{read_only}' && {command}",
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 2, done.stderr
        assert f"Cannot write the model to {target}: Read-only file system" in done.stderr
        assert "hint: choose a --model-dir in a folder you can write to" in done.stderr
        assert "internal error" not in done.stderr


# 15: large and sparse artifacts


def _make_sparse(path: Path, size: int) -> None:
    with path.open("r+b") as stream:
        stream.truncate(size)  # a hole after the pickle: pickle.load never reads it


def _run_on_a_terminal(args: list[str]) -> tuple[int, str]:
    """servecheck with its stderr on a pseudo-terminal; the exit code and what it wrote."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "kedro_servecheck", *args],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=follower,
    )
    os.close(follower)
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal is closed
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    code = process.wait(timeout=300)
    reader.join(timeout=30)
    os.close(leader)
    return code, b"".join(chunks).decode(errors="replace")


def test_a_sparse_artifact_stays_sparse_and_its_copy_shows_progress_on_a_terminal(
    project_copy, tmp_path
):
    project = project_copy("churn")
    classifier = project / "data/06_models/classifier.pkl"
    original = pickle.loads(classifier.read_bytes())
    _make_sparse(classifier, 1 << 30)
    assert classifier.stat().st_blocks * 512 < 1 << 20

    target = tmp_path / "model"
    code, stderr = _run_on_a_terminal(_export_args(project, target, "--verify"))
    assert code == 0, stderr
    assert "copying 'classifier':" in stderr
    assert "1.0 GiB of 1.0 GiB (100%)" in stderr
    copied = target / "artifacts/serving/data/classifier/classifier.pkl"
    assert copied.stat().st_size == 1 << 30
    assert copied.stat().st_blocks * 512 < 1 << 20  # the hole is still a hole
    with copied.open("rb") as stream:
        assert type(pickle.load(stream)) is type(original)

    quiet = servecheck(*_export_args(project, tmp_path / "quiet"))
    assert quiet.returncode == 0, quiet.stderr
    assert "copying" not in quiet.stderr  # not a terminal: no progress
