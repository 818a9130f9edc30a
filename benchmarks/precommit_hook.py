"""Pre-commit hook end to end: the isolated `servecheck` hook against `kedro registry describe`.

fixtures/spaceflights (the template's `find_pipelines` registry, config in folders, a
reporting pipeline that imports matplotlib) is copied into a git repo of its own, whose
`.pre-commit-config.yaml` uses the `servecheck` hook (`language: python`) of a one-commit
snapshot of this checkout (what git would commit of it), as a user's config pins a release.
pre-commit builds the hook's virtualenv in a first, unmeasured run; then rounds alternate the
whole `pre-commit run servecheck --all-files` and `kedro registry describe` in the project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from document import Section, Target, ms, ratio, table
from timing import Plan, command, measure, script

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "fixtures" / "spaceflights"
HOOK_ARGS = ["--output", "price_predictions"]  # the pipeline's two free outputs: serve this one
AT_MOST = 1.0  # the hook may take at most as long as `kedro registry describe`


def run(workdir: Path, plan: Plan) -> Section:
    """Build the hook's environment once, then alternate the hook and Kedro's CLI."""
    git = _git_env(workdir)
    snapshot, head = _snapshot(workdir / "hook-repo", git)
    project = _git_repo(workdir / "spaceflights", git)
    shutil.copytree(
        FIXTURE, project, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    hook = {"id": "servecheck", "args": HOOK_ARGS}
    (project / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": str(snapshot), "rev": head, "hooks": [hook]}]})
    )
    _git(["add", "-A"], project, git)
    hook_run = command(
        [sys.executable, "-m", "pre_commit", "run", "servecheck", "--all-files"], project, git
    )
    hook_run()  # pre-commit installs kedro-servecheck in the hook's virtualenv: warm from now on
    cases = {
        "pre-commit run servecheck": hook_run,
        "kedro registry describe": command([script("kedro"), "registry", "describe"], project),
    }
    times = measure(cases, plan.process_rounds, warmup=plan.warmup)
    kedro = times["kedro registry describe"]
    body = (
        f"Whole-process wall time, median of {plan.process_rounds} round(s), on"
        " fixtures/spaceflights in a git repo of its own. *pre-commit run servecheck*: `pre-commit"
        f" run servecheck --all-files` with the hook's `args: [{', '.join(HOOK_ARGS)}]`, its"
        " virtualenv built"
        " by a first, unmeasured run (warm, as on every commit after the first): pre-commit"
        " itself, then `servecheck check --stub-missing` in that virtualenv, where the project's"
        " pandas, scikit-learn and matplotlib are not installed and are stubbed. *kedro"
        " registry describe*: the Kedro CLI in the environment where the project runs (every"
        " installed plugin's commands loaded, then the default pipeline built).\n\n"
        + table(
            ["command", "wall time", "/ kedro registry describe"],
            [
                [f"`{name}`", ms(timing.median), ratio(timing / kedro)]
                for name, timing in times.items()
            ],
        )
    )
    target = Target(
        "pre-commit hook, warm / `kedro registry describe`",
        times["pre-commit run servecheck"] / kedro,
        AT_MOST,
    )
    return Section("Pre-commit hook end to end", body, [target])


def _snapshot(path: Path, git: dict[str, str]) -> tuple[Path, str]:
    """The files git would commit of this checkout, in a one-commit repo: path and commit."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        env=git,
        capture_output=True,
        text=True,
        check=True,
    )
    _git_repo(path, git)
    for name in filter(None, listed.stdout.split("\0")):
        if (REPO / name).is_file():  # a tracked file may be deleted in the working tree
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, path / name)
    _git(["add", "-A"], path, git)
    _git(["commit", "-q", "-m", "snapshot"], path, git)
    head = _git(["rev-parse", "HEAD"], path, git)
    return path, head


def _git_repo(path: Path, git: dict[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    _git(["init", "-q"], path, git)
    return path


def _git(args: list[str], cwd: Path, git: dict[str, str]) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=git, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _git_env(workdir: Path) -> dict[str, str]:
    """git without the user's config, a committer, and pre-commit's store in `workdir`."""
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Benchmark",
        "GIT_AUTHOR_EMAIL": "benchmark@example.com",
        "GIT_COMMITTER_NAME": "Benchmark",
        "GIT_COMMITTER_EMAIL": "benchmark@example.com",
        "PRE_COMMIT_HOME": str(workdir / "pre-commit-home"),
    }
