"""The hooks of `.pre-commit-hooks.yaml`, driven by the real `pre-commit` in temp git repos.

pre-commit reads hooks from a git repository at a commit, and a clone leaves out what is not
committed. So the hook repository here is a snapshot of this checkout (found from this file,
wherever CI cloned it): the files git would commit (tracked, and new unless ignored), in a
fresh repo with one commit. The projects are copies of fixtures in their own repos.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, REPO, Run, servecheck

MANIFEST = REPO / ".pre-commit-hooks.yaml"
CLASSIFIER = "data/06_models/classifier.pkl"
CLASSIFIER_V2 = "data/06_models/classifier_v2.pkl"


def serve_classifier_v2(project: Path) -> None:
    """Point inference at `classifier_v2`, an artifact trained outside the project's
    pipelines (a notebook): no registered pipeline produces it, so it must be on disk."""
    with (project / "conf/base/catalog.yml").open("a") as catalog:
        catalog.write(
            f"\nclassifier_v2:\n  type: pickle.PickleDataset\n  filepath: {CLASSIFIER_V2}\n"
        )
    pipeline = project / "src/churn/pipelines/inference/pipeline.py"
    pipeline.write_text(pipeline.read_text().replace('"classifier",', '"classifier_v2",'))


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    """This interpreter's scripts (servecheck) first on PATH; git and pre-commit isolated."""
    return {
        **os.environ,
        "PATH": os.pathsep.join((str(Path(sys.executable).parent), os.environ["PATH"])),
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }


def run(*args: str, cwd: Path, env: dict[str, str], timeout: int = 600) -> Run:
    completed = subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


def git_repo(path: Path, env: dict[str, str]) -> Path:
    """`git init` at `path`, with a committer."""
    path.mkdir(parents=True, exist_ok=True)
    for args in (
        ("init", "-q"),
        ("config", "user.name", "Test"),
        ("config", "user.email", "test@example.com"),
    ):
        assert run("git", *args, cwd=path, env=env).returncode == 0
    return path


def commit(repo: Path, env: dict[str, str], message: str = "change") -> tuple[int, str]:
    """`git add -A` and `git commit` (which runs the installed hooks): exit code, output."""
    assert run("git", "add", "-A", cwd=repo, env=env).returncode == 0
    committed = run("git", "commit", "-m", message, cwd=repo, env=env)
    return committed.returncode, committed.stdout + committed.stderr  # hooks print on stderr


def pre_commit(*args: str, cwd: Path, env: dict[str, str]) -> Run:
    return run(sys.executable, "-m", "pre_commit", *args, cwd=cwd, env=env)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, env) -> tuple[Path, str]:
    """A snapshot of this checkout as a one-commit repo: its path and commit."""
    listed = run(
        "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO, env=env
    )
    assert listed.returncode == 0, listed.stderr
    snapshot = git_repo(tmp_path_factory.mktemp("hook-repo"), env)
    for name in filter(None, listed.stdout.split("\0")):
        if (REPO / name).is_file():  # a tracked file may be deleted in the working tree
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, snapshot / name)
    assert commit(snapshot, env, "snapshot")[0] == 0
    head = run("git", "rev-parse", "HEAD", cwd=snapshot, env=env).stdout.strip()
    return snapshot, head


def project_repo(tmp_path: Path, env: dict[str, str], fixture: str, folder: str = "") -> Path:
    """A git repo holding a copy of `fixture` (in `folder`, else at the top); the project."""
    repo = git_repo(tmp_path / "repo", env)
    project = repo / folder
    shutil.copytree(
        FIXTURES / fixture,
        project,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return project


def test_manifest_is_valid_and_both_hooks_check_the_whole_project(env):
    assert pre_commit("validate-manifest", str(MANIFEST), cwd=REPO, env=env).returncode == 0
    hooks = {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text())}
    assert {hook: hooks[hook]["language"] for hook in hooks} == {
        "servecheck": "python",
        "servecheck-system": "system",
    }
    # the isolated hook stubs what its virtualenv lacks; the system hook checks for real
    assert hooks["servecheck"]["entry"] == "servecheck check --stub-missing"
    assert hooks["servecheck-system"]["entry"] == "servecheck check"
    for hook in hooks.values():
        assert "args" not in hook
        assert hook["pass_filenames"] is False
        assert hook["require_serial"] is True
        assert hook["files"] == r"^(conf/|src/|pyproject\.toml$)"
        assert hook["stages"] == ["pre-commit", "pre-merge-commit", "pre-push", "manual"]


def test_try_repo_system_hook_fails_on_a_missing_artifact_then_passes(tmp_path, env, hook_repo):
    snapshot, _ = hook_repo
    project = project_repo(tmp_path, env, "churn")
    serve_classifier_v2(project)
    assert run("git", "add", "-A", cwd=project, env=env).returncode == 0
    try_repo = ("try-repo", str(snapshot), "servecheck-system", "--all-files")

    failing = pre_commit(*try_repo, cwd=project, env=env)
    shutil.copy2(FIXTURES / "churn" / CLASSIFIER, project / CLASSIFIER_V2)
    passing = pre_commit(*try_repo, cwd=project, env=env)

    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "servecheck" in failing.stdout
    assert "Failed" in failing.stdout
    assert "conf/base/catalog.yml:" in failing.stdout
    assert "SC202 [error]" in failing.stdout
    assert CLASSIFIER_V2 in failing.stdout
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout


def test_the_hook_passes_on_a_clone_where_nothing_is_trained_yet(tmp_path, env, hook_repo):
    """data/ is git-ignored: the trained pickles are not there, training makes them."""
    snapshot, _ = hook_repo
    project = project_repo(tmp_path, env, "churn")
    for pickle in (project / "data/06_models").glob("*.pkl"):
        pickle.unlink()
    assert run("git", "add", "-A", cwd=project, env=env).returncode == 0
    hook = pre_commit(
        "try-repo", str(snapshot), "servecheck-system", "--all-files", cwd=project, env=env
    )
    assert hook.returncode == 0, hook.stdout + hook.stderr
    assert "Passed" in hook.stdout


def test_installed_hook_for_a_project_in_a_subfolder_blocks_the_commit_until_fixed(
    tmp_path, env, hook_repo
):
    snapshot, head = hook_repo
    project = project_repo(tmp_path, env, "churn", folder="ml/churn")
    repo = project.parents[1]
    (repo / "README.md").write_text("# A repo with a Kedro project in ml/churn\n")
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump(
            {
                "repos": [
                    {
                        "repo": str(snapshot),
                        "rev": head,
                        "hooks": [
                            {
                                "id": "servecheck-system",
                                "args": ["ml/churn"],
                                "files": r"^ml/churn/(conf/|src/|pyproject\.toml$)",
                            }
                        ],
                    }
                ]
            }
        )
    )
    assert commit(repo, env, "initial")[0] == 0
    assert pre_commit("install", cwd=repo, env=env).returncode == 0
    (repo / "README.md").write_text("# Edited\n")
    unrelated = commit(repo, env, "readme only")
    serve_classifier_v2(project)
    blocked = commit(repo, env, "serve classifier v2")
    shutil.copy2(project / CLASSIFIER, project / CLASSIFIER_V2)  # as if trained
    fixed = commit(repo, env, "serve classifier v2, trained")

    assert unrelated[0] == 0
    assert "servecheck" in unrelated[1]
    assert "(no files to check)Skipped" in unrelated[1]
    assert blocked[0] != 0, blocked[1]
    assert "SC202 [error]" in blocked[1]
    assert CLASSIFIER_V2 in blocked[1]
    assert fixed[0] == 0, fixed[1]
    assert "servecheck" in fixed[1]
    assert "Passed" in fixed[1]
    log = run("git", "log", "--format=%s", cwd=repo, env=env).stdout.splitlines()
    assert log == ["serve classifier v2, trained", "readme only", "initial"]


def test_isolated_hook_stubs_the_project_dependencies(tmp_path, env, hook_repo):
    """`language: python`: pre-commit installs kedro-servecheck (from PyPI's packages) in
    its own virtualenv, without pandas, scikit-learn or the project's heavy packages."""
    snapshot, head = hook_repo
    project = project_repo(tmp_path, env, "heavy_deps")
    (project / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump(
            {
                "repos": [
                    {
                        "repo": str(snapshot),
                        "rev": head,
                        "hooks": [
                            {
                                "id": "servecheck",
                                "args": [
                                    "--strict",
                                    "--format",
                                    "json",
                                    "--output-file",
                                    "report.json",
                                ],
                            }
                        ],
                    }
                ]
            }
        )
    )
    assert run("git", "add", "-A", cwd=project, env=env).returncode == 0

    checked = pre_commit("run", "--all-files", cwd=project, env=env)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads((project / "report.json").read_text())
    (stubbed,) = [f["message"] for f in report["findings"] if f["code"] == "SC402"]
    for package in ("lightgbm_not_installed_xyz", "catboost_not_installed_xyz", "pandas"):
        assert package in stubbed
    assert report["pipelines"][0]["status"] == "pass"


def test_isolated_hook_checks_a_pipelineml_without_kedro_mlflow(tmp_path, env, hook_repo):
    """pre-commit's environment has no kedro-mlflow: its stand-in builds the PipelineML, and the
    report is the one of a check where kedro-mlflow is installed, with SC503 (and SC402)."""
    snapshot, head = hook_repo
    project = project_repo(tmp_path, env, "pipelineml")
    hook = {"id": "servecheck", "args": ["--strict", "--format", "json", "--output-file", "r.json"]}
    (project / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": str(snapshot), "rev": head, "hooks": [hook]}]})
    )
    assert run("git", "add", "-A", cwd=project, env=env).returncode == 0

    checked = pre_commit("run", "--all-files", cwd=project, env=env)
    installed = servecheck("check", project, "--format", "json")

    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads((project / "r.json").read_text())
    (stand_in,) = [f for f in report["findings"] if f["code"] == "SC503"]
    assert stand_in["location"] == {"path": "src/review_sentiment/pipeline_registry.py", "line": 8}
    (stubbed,) = [f["message"] for f in report["findings"] if f["code"] == "SC402"]
    assert "kedro_mlflow" not in stubbed  # stood in, not stubbed
    assert report["pipelines"] == installed.json()["pipelines"]
    assert installed.json()["findings"] == []
