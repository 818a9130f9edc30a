"""kedro-mlflow's datasets, known without importing kedro-mlflow or mlflow, and catalog entries
that cannot be built (SC209): each verdict next to what Kedro, kedro-mlflow and MLflow really do.

The real runs use copies of `fixtures/mlflow_tutorial` in tmp_path; kedro-mlflow's hook (on
through its entry point) writes its sqlite store (`sqlite:///mlflow.db`, relative to the
working directory) and `mlruns/` there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kedro_servecheck.catalog.dataset_types import Loads, Storage, dataset_type
from kedro_servecheck.exporter.requirements import mlflow_model_modules

from conftest import FIXTURES, REPO, edit, kedro, python, servecheck

# `kedro run` as a user runs it: kedro-mlflow's hook on, nothing of this repository on the path.
AS_A_USER = {"PYTHONPATH": "", "PYTHONWARNINGS": "ignore"}

CATALOG = "conf/base/catalog.yml"
ARTIFACT = "kedro_mlflow.io.artifacts.MlflowArtifactDataset"
LOCAL_MODEL = "kedro_mlflow.io.models.MlflowModelLocalFileSystemDataset"
TRACKING = "kedro_mlflow.io.models.MlflowModelTrackingDataset"
VECTORIZER = """\
tfidf_vectorizer:
  type: kedro_mlflow.io.artifacts.MlflowArtifactDataset
  dataset:
    type: pickle.PickleDataset
    filepath: data/06_models/tfidf_vectorizer.pkl
"""
MODEL = """\
sentiment_model:
  type: kedro_mlflow.io.models.MlflowModelLocalFileSystemDataset
  flavor: mlflow.sklearn
  filepath: data/06_models/sentiment_model
"""


def findings(project: Path, *args: str) -> list[dict]:
    run = servecheck("check", project, "--format", "json", *args)
    assert "Traceback" not in run.stderr, run.stderr
    return run.json()["findings"]


# -- the check path ------------------------------------------------------------------------------


def test_check_imports_neither_mlflow_nor_kedro_mlflows_datasets():
    code = (
        "import sys, json\n"
        "from kedro_servecheck import check\n"
        "report = check('fixtures/mlflow_tutorial')\n"
        "print(json.dumps(sorted(m for m in sys.modules"
        " if m.split('.')[0] == 'mlflow' or m.startswith('kedro_mlflow.io'))))\n"
    )
    run = python(code)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == []


def test_kedro_mlflows_datasets_are_known_where_kedro_mlflow_is_not_installed():
    """pre-commit's isolated hook has no kedro-mlflow: the table alone knows its datasets."""
    code = """
import importlib.abc, json, sys
class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("kedro_mlflow", "mlflow"):
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, NotInstalled())
from kedro_servecheck.catalog.dataset_types import dataset_type
from kedro_servecheck.catalog.signatures import signature
names = ["kedro_mlflow.io.artifacts.MlflowArtifactDataset",
         "kedro_mlflow.io.models.MlflowModelLocalFileSystemDataset",
         "kedro_mlflow.io.artifacts.MlflowArtifactDataSet"]
print(json.dumps([[dataset_type(n).resolution_problem(), dataset_type(n).is_wrapper,
                   signature(dataset_type(n)) is None] for n in names]))
"""
    run = python(code)
    assert run.returncode == 0, run.stderr
    artifact, model, old = json.loads(run.stdout)
    assert artifact == [None, True, True]  # known, a wrapper; its source cannot be read here
    assert model == [None, False, True]
    assert "renamed 'MlflowArtifactDataSet' to 'MlflowArtifactDataset'" in old[0]


# -- MlflowArtifactDataset: the dataset it wraps --------------------------------------------------


def test_a_wrapped_artifact_is_checked_at_the_wrapped_file(project_copy):
    project = project_copy("mlflow_tutorial")
    (project / "data/06_models/tfidf_vectorizer.pkl").unlink()
    found = [f for f in findings(project) if f["dataset"] == "tfidf_vectorizer"]
    assert [f["code"] for f in found] == ["SC208"]  # training_ml makes it (the wrapped file)
    required = findings(project, "--require-artifacts")
    (missing,) = [f for f in required if f["dataset"] == "tfidf_vectorizer"]
    assert missing["code"] == "SC202"
    assert "has no file at data/06_models/tfidf_vectorizer.pkl" in missing["message"]
    assert missing["location"] == {"path": CATALOG, "line": 20}
    # Kedro's own run of the inference pipeline fails on that file, before predicting
    run = kedro("run", "--pipelines", "inference", cwd=project, env=AS_A_USER)
    assert run.returncode == 1
    assert "data/06_models/tfidf_vectorizer.pkl" in run.stderr + run.stdout
    assert "No such file" in run.stderr + run.stdout


def test_a_wrapped_dataset_loads_what_servecheck_says_it_loads(tmp_path):
    """As the data input, a wrapped CSVDataset loads a DataFrame (no SC104) and a wrapped
    JSONDataset a dict (SC103): real kedro-mlflow loading real files agrees."""
    (tmp_path / "rows.csv").write_text("text\nfine film\n")
    (tmp_path / "request.json").write_text('{"text": "fine film"}')
    wrapped = {
        "CSV": ("pandas.CSVDataset", "rows.csv"),
        "JSON": ("json.JSONDataset", "request.json"),
    }
    code = f"""
import json, warnings
warnings.simplefilter("ignore")
from kedro.io import AbstractDataset
loaded = {{}}
for name, (type_, path) in {wrapped!r}.items():
    wrapped = {{"type": type_, "filepath": {str(tmp_path)!r} + "/" + path}}
    config = {{"type": "{ARTIFACT}", "dataset": wrapped}}
    loaded[name] = type(AbstractDataset.from_config(name, config).load()).__name__
print(json.dumps(loaded))
"""
    run = python(code)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {"CSV": "DataFrame", "JSON": "dict"}
    for name, (type_, _) in wrapped.items():
        expected = Loads.PANDAS if name == "CSV" else Loads.OTHER
        assert dataset_type(type_).info.loads is expected
    assert dataset_type(ARTIFACT).is_wrapper


# -- MlflowModelTrackingDataset: no file ----------------------------------------------------------


def test_a_tracking_model_is_not_file_backed_as_kedro_mlflow_really_packages_it(project_copy):
    """kedro-mlflow logs a PipelineML whose model is an MlflowModelTrackingDataset with the
    whole working directory as that artifact, and the logged model loads it from the tracking
    store it was trained with: elsewhere it fails. servecheck says SC204, with a file instead."""
    project = project_copy("mlflow_tutorial")
    edit(
        project,
        CATALOG,
        MODEL,
        f"sentiment_model:\n  type: {TRACKING}\n  flavor: mlflow.sklearn\n"
        "  save_args:\n    name: sk_model\n",
    )
    (finding,) = [f for f in findings(project) if f["dataset"] == "sentiment_model"]
    assert finding["code"] == "SC204"
    assert f"is a {TRACKING} with no file to package" in finding["message"]
    hint = servecheck("check", project).stdout
    assert "MlflowModelLocalFileSystemDataset" in hint
    assert "pickle.PickleDataset" in hint

    trained = kedro("run", "--pipelines", "training_ml", cwd=project, env=AS_A_USER)
    assert trained.returncode == 0, trained.stderr[-3000:]
    code = f"""
import json, os, warnings, yaml
warnings.simplefilter("ignore")
import mlflow
mlflow.set_tracking_uri("sqlite:///mlflow.db")
experiment = mlflow.get_experiment_by_name("kedro_mlflow_tutorial")
(model,) = mlflow.search_logged_models(experiment_ids=[experiment.experiment_id],
    filter_string="name = 'kedro_mlflow_tutorial'", output_format="list")
local = mlflow.artifacts.download_artifacts(model.artifact_location)
packaged = yaml.safe_load(open(os.path.join(local, "MLmodel")))["flavors"]["python_function"]
artifacts = {{name: a["path"] for name, a in packaged["artifacts"].items()}}
mlflow.set_tracking_uri("sqlite:///" + {str(project.parent / "elsewhere.db")!r})
try:
    mlflow.pyfunc.load_model(local)
    loaded = "loaded"
except Exception as error:
    loaded = str(error).strip().splitlines()[-1]
print(json.dumps({{"artifacts": artifacts, "loaded": loaded}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project / "src")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["artifacts"]["sentiment_model"] == f"artifacts/{project.name}"  # the cwd
    assert result["artifacts"]["tfidf_vectorizer"] == "artifacts/tfidf_vectorizer.pkl"
    assert "not found" in result["loaded"]


# -- kedro-mlflow 0.x: the exact rename -----------------------------------------------------------

OLD_SPELLINGS = [
    # (entry replaced, replacement, the key found at fault, codes about the entry, the message
    # of the first, the error Kedro raises when it builds the entry)
    (
        VECTORIZER,
        VECTORIZER.replace("MlflowArtifactDataset", "MlflowArtifactDataSet"),
        None,
        ["SC206"],
        (
            "kedro-mlflow 0.12 renamed 'MlflowArtifactDataSet' to 'MlflowArtifactDataset': use "
            f"'{ARTIFACT}'"
        ),
        "Dataset 'MlflowArtifactDataSet' not found in 'kedro_mlflow.io.artifacts'",
    ),
    (
        MODEL,
        MODEL.replace("MlflowModelLocalFileSystemDataset", "MlflowModelSaverDataSet"),
        None,
        ["SC206"],
        (
            "renamed 'MlflowModelSaverDataSet' to 'MlflowModelLocalFileSystemDataset': use "
            f"'{LOCAL_MODEL}'"
        ),
        "Dataset 'MlflowModelSaverDataSet' not found in 'kedro_mlflow.io.models'",
    ),
    (
        MODEL,
        (
            "sentiment_model:\n  type: kedro_mlflow.io.models.MlflowModelLoggerDataSet\n"
            "  flavor: mlflow.sklearn\n"
        ),
        None,
        ["SC204", "SC206"],  # renamed, it is still a model on the tracking server
        f"renamed 'MlflowModelLoggerDataSet' to 'MlflowModelTrackingDataset': use '{TRACKING}'",
        "Dataset 'MlflowModelLoggerDataSet' not found in 'kedro_mlflow.io.models'",
    ),
    (
        VECTORIZER,
        VECTORIZER.replace("dataset:", "data_set:"),
        "data_set",
        ["SC209"],
        "does not take 'data_set': kedro-mlflow 0.12 renamed `data_set` to `dataset`",
        "MlflowArtifactDataset.__new__() got an unexpected keyword argument 'data_set'",
    ),
    (
        MODEL,
        MODEL + "  run_id: 0123456789abcdef\n",
        "run_id",
        ["SC209"],
        "MlflowModelLocalFileSystemDataset never took `run_id`",
        "MlflowModelLocalFileSystemDataset.__init__() got an unexpected keyword argument 'run_id'",
    ),
    (
        MODEL,
        MODEL + "  artifact_path: model\n",
        "artifact_path",
        ["SC209"],
        "MlflowModelLocalFileSystemDataset never took `artifact_path`",
        "got an unexpected keyword argument 'artifact_path'",
    ),
    (
        MODEL,
        f"sentiment_model:\n  type: {TRACKING}\n  flavor: mlflow.sklearn\n  run_id: 0123456789\n",
        "run_id",
        ["SC204", "SC209"],
        (
            "kedro-mlflow 2.0 dropped `run_id` (MLflow 3 models are not tied to a run): load a"
            " given model with `load_args: {model_uri: ...}`"
        ),
        "MlflowModelTrackingDataset.__init__() got an unexpected keyword argument 'run_id'",
    ),
    (
        MODEL,
        f"sentiment_model:\n  type: {TRACKING}\n  flavor: mlflow.sklearn\n  artifact_path: model\n",
        "artifact_path",
        ["SC204", "SC209"],
        (
            "kedro-mlflow 2.0 dropped `artifact_path` (MLflow 3 calls it `name`): set"
            " `save_args: {name: ...}`"
        ),
        "MlflowModelTrackingDataset.__init__() got an unexpected keyword argument 'artifact_path'",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "key", "codes", "message", "kedro_error"),
    OLD_SPELLINGS,
    ids=[f"{case[3][-1]}-{index}" for index, case in enumerate(OLD_SPELLINGS)],
)
def test_a_kedro_mlflow_0x_spelling_gets_its_exact_rename(
    project_copy, old, new, key, codes, message, kedro_error
):
    project = project_copy("mlflow_tutorial")
    line = edit(project, CATALOG, old, new)
    name = old.partition(":")[0]
    about = [f for f in findings(project) if f["dataset"] == name]
    assert sorted(f["code"] for f in about) == codes
    (finding,) = [f for f in about if f["code"] == codes[-1]]
    assert message in finding["message"]
    lines = new.splitlines()
    offset = (
        next(i for i, text in enumerate(lines) if text.strip().startswith(f"{key}:")) if key else 0
    )
    assert finding["location"] == {"path": CATALOG, "line": line + offset}


def test_kedro_mlflow_really_rejects_each_0x_spelling_servecheck_reports():
    """The same entries, built by Kedro with the real kedro-mlflow (as `kedro run` does): each
    fails as servecheck's static verdict on it says (an unknown type, or an argument)."""
    import yaml

    from kedro_servecheck.catalog.signatures import check_arguments

    entries = [yaml.safe_load(new) for _, new, *_ in OLD_SPELLINGS]
    code = f"""
import json, warnings
warnings.simplefilter("ignore")
from kedro.io import AbstractDataset
errors = []
for entry in {entries!r}:
    (name, config), = entry.items()
    try:
        AbstractDataset.from_config(name, config)
        errors.append(None)
    except Exception as error:
        errors.append(str(error))
print(json.dumps(errors))
"""
    run = python(code, cwd=FIXTURES / "mlflow_tutorial")
    assert run.returncode == 0, run.stderr
    errors = json.loads(run.stdout.strip().splitlines()[-1])
    for entry, error, (_, _, key, *_, kedro_error) in zip(
        entries, errors, OLD_SPELLINGS, strict=True
    ):
        ((_, config),) = entry.items()
        type_ = dataset_type(config["type"])
        assert error is not None
        assert kedro_error in error
        if key is None:  # a 0.x class name: SC206
            assert type_.resolution_problem() is not None
        else:  # a 0.x argument: SC209
            checked = check_arguments(type_, config)
            assert checked is not None
            assert checked.unexpected == (key,)
            assert f"unexpected keyword argument '{key}'" in error


# -- SC209: arguments a class does not take --------------------------------------------------------


def test_a_typo_in_an_argument_fails_the_native_run_as_sc209_says(project_copy):
    project = project_copy("mlflow_tutorial")
    line = edit(
        project,
        CATALOG,
        "  filepath: data/01_raw/instances.csv\n",
        "  filepath: data/01_raw/instances.csv\n  load_arg:\n    sep: ','\n",
    )
    (finding,) = [f for f in findings(project) if f["code"] == "SC209"]
    assert finding["dataset"] == "instances"
    assert finding["location"] == {"path": CATALOG, "line": line + 1}
    assert (
        "pandas.CSVDataset does not take 'load_arg' (did you mean 'load_args'?)"
        in (finding["message"])
    )
    assert (
        "it takes filepath, load_args, save_args, version, credentials, fs_args, metadata"
        in (finding["message"])
    )
    run = kedro("run", "--pipelines", "inference", cwd=project, env=AS_A_USER)
    assert run.returncode == 1
    assert "CSVDataset.__init__() got an unexpected keyword argument 'load_arg'" in run.stderr
    assert "Completed node" not in run.stdout + run.stderr  # before any node runs


def test_sc209_checks_the_training_pipeline_of_a_pipelineml(project_copy):
    """`labels` is read by training only; a PipelineML's training run builds it too."""
    project = project_copy("mlflow_tutorial")
    edit(project, CATALOG, "  filepath: data/01_raw/labels.csv\n", "  file_path: data/x.csv\n")
    codes = {(f["code"], f["dataset"]) for f in findings(project)}
    assert ("SC209", "labels") in codes
    (finding,) = [f for f in findings(project) if f["dataset"] == "labels"]
    assert "does not take 'file_path' (did you mean 'filepath'?)" in finding["message"]
    # the plain inference pipeline does not read `labels`
    assert not [
        f
        for f in findings(project, "--pipeline", "inference", "--input", "instances")
        if f["code"] == "SC209"
    ]


def test_versioned_entry_of_a_class_without_version(project_copy):
    project = project_copy("mlflow_tutorial")
    edit(
        project,
        CATALOG,
        "train_accuracy:\n  type: kedro_mlflow.io.metrics.MlflowMetricDataset\n",
        "train_accuracy:\n  type: kedro_mlflow.io.metrics.MlflowMetricDataset\n  versioned: true\n",
    )
    (finding,) = [f for f in findings(project) if f["code"] == "SC209"]
    assert "is versioned (`versioned: true`) but takes no 'version'" in finding["message"]


def _catalog_entries() -> list[tuple[str, str, dict]]:
    """(file, name, config) of every catalog entry of every fixture and benchmark project,
    and of every dataset an entry wraps."""
    import yaml

    found = []
    projects = [*FIXTURES.iterdir(), *(REPO / "benchmarks/projects").iterdir()]
    for path in sorted(p for project in projects for p in project.glob("conf/*/catalog*.yml")):
        for name, config in (yaml.safe_load(path.read_text()) or {}).items():
            if isinstance(config, dict) and not name.startswith("_"):
                shown = str(path.relative_to(REPO))
                found.append((shown, name, config))
                if isinstance(config.get("dataset"), dict):
                    found.append((shown, f"{name}.dataset", config["dataset"]))
    return found


def test_sc209_agrees_with_python_on_every_entry_of_our_projects():
    """Every entry of our fixtures is valid for its class, by servecheck's static reading and
    by binding it to the real constructor's signature; and so are the broken entries above
    invalid, by both."""
    import yaml

    from kedro_servecheck.catalog.signatures import check_arguments

    cases = _catalog_entries()
    cases += [
        ("broken", n, c) for _, new, *_ in OLD_SPELLINGS for n, c in yaml.safe_load(new).items()
    ]
    cases.append(("broken", "typo", {"type": "pandas.CSVDataset", "filepath": "x", "load_arg": {}}))
    static = {}
    for where, name, config in cases:
        checked = check_arguments(dataset_type(config.get("type", "")), config)
        if checked is not None:
            static[f"{where}:{name}"] = not (checked.unexpected or checked.missing)
    assert sum(static.values()) >= 20
    code = f"""
import inspect, json, warnings
warnings.simplefilter("ignore")
from kedro.io.core import parse_dataset_definition
valid = {{}}
for key, config in {[(f"{w}:{n}", c) for w, n, c in cases]!r}:
    try:
        cls, arguments = parse_dataset_definition(dict(config))
    except Exception:
        continue  # a type Kedro cannot import here (a 0.x name, pyspark missing): SC206's
    constructor = cls.__new__ if "__new__" in vars(cls) else cls
    first = ("cls",) if constructor is not cls else ()  # __new__ takes the class first
    try:
        inspect.signature(constructor).bind(*first, **arguments)
        valid[key] = True
    except TypeError:
        valid[key] = False
print(json.dumps(valid))
"""
    run = python(code)
    assert run.returncode == 0, run.stderr
    real = json.loads(run.stdout.strip().splitlines()[-1])
    compared = {key: static[key] for key in real if key in static}
    assert compared == {key: real[key] for key in compared}
    valid_fixtures = {key for key in static if not key.startswith("broken:")}
    assert all(static[key] for key in valid_fixtures), sorted(
        key for key in valid_fixtures if not static[key]
    )


# -- export: the flavour's packages ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("flavors", "modules"),
    [
        (
            {"python_function": {}, "sklearn": {"serialization_format": "skops"}},
            {"sklearn", "skops"},
        ),
        ({"python_function": {}, "sklearn": {"serialization_format": "cloudpickle"}}, {"sklearn"}),
        ({"python_function": {}, "xgboost": {}}, {"xgboost"}),
        ({"python_function": {}, "pytorch": {}}, {"torch"}),
        ({"python_function": {}, "spark": {}}, {"pyspark"}),
    ],
)
def test_an_mlflow_model_folder_needs_its_flavours_packages(tmp_path, flavors, modules):
    import yaml

    (tmp_path / "MLmodel").write_text(yaml.safe_dump({"flavors": flavors}))
    assert mlflow_model_modules(tmp_path) == modules
    assert mlflow_model_modules(tmp_path / "MLmodel") == set()  # a file is no model folder


def test_the_fixtures_model_folder_is_sklearn_in_skops_format():
    folder = FIXTURES / "mlflow_tutorial/data/06_models/sentiment_model"
    assert mlflow_model_modules(folder) == {"sklearn", "skops"}
    assert dataset_type(LOCAL_MODEL).info.storage is Storage.FILE
