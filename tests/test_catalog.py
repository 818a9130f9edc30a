"""Catalog resolution (kedro_servecheck.catalog) and declaration lines (conf_locations).

In-process unit tests: the catalog config is read from YAML files written under tmp_path/conf
by Kedro's own `OmegaConfigLoader` (as a project run would merge it), and wherever Kedro can
tell, our `DatasetSpec` is compared with what a real `kedro.io.DataCatalog` builds from the same
config.
"""

from __future__ import annotations

import copy
import logging
import textwrap
import warnings
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kedro.config import OmegaConfigLoader
from kedro.framework.context.context import _convert_paths_to_absolute_posix
from kedro.io import CatalogConfigResolver, DataCatalog

from kedro_servecheck.catalog.resolve import Catalog, CredentialNames, Source, display_path
from kedro_servecheck.findings import Location
from kedro_servecheck.load.locations import ConfLocations, Declaration

from conftest import servecheck

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

V1 = "2026-01-01T00.00.00.000Z"
V2 = "2026-02-01T00.00.00.000Z"
V3 = "2026-03-01T00.00.00.000Z"


# -- helpers ---------------------------------------------------------------------------------------


def write(root: Path, rel: str, text: str = "x") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def line_of(root: Path, rel: str, key: str) -> int:
    """1-based line of the top-level YAML key `key` in the file `rel` (quoted or not)."""
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    for number, text in enumerate(lines, start=1):
        if text.startswith((f"{key}:", f'"{key}":', f"'{key}':")):
            return number
    raise AssertionError(f"{key} not found in {rel}")


def conf(root: Path, key: str = "catalog") -> dict:
    """The merged config of `key`, as Kedro's OmegaConfigLoader builds it for a run."""
    for env in ("base", "local"):  # a project has both (Kedro requires them)
        (root / "conf" / env).mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loader = OmegaConfigLoader(str(root / "conf"), base_env="base", default_run_env="local")
        return loader[key]


def make_catalog(root: Path, load_versions: dict[str, str] | None = None) -> Catalog:
    locations = ConfLocations.scan(root, root / "conf", ["base", "local"], ["catalog*"])
    return Catalog(conf(root), root, locations, load_versions)


def kedro_catalog(root: Path, load_versions: dict[str, str] | None = None) -> DataCatalog:
    """What KedroContext._get_catalog builds: paths made absolute, then DataCatalog.from_config."""
    absolute = _convert_paths_to_absolute_posix(root, copy.deepcopy(conf(root)))
    return DataCatalog.from_config(absolute, load_versions=load_versions)


@pytest.fixture(autouse=True)
def _quiet_kedro_logs():
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


@pytest.fixture
def elsewhere(tmp_path_factory, monkeypatch):
    """Run the test from a CWD that is not the project root."""
    cwd = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(cwd)
    return cwd


# -- resolution order ------------------------------------------------------------------------------


def test_explicit_entry_wins_over_a_matching_pattern(tmp_path):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        "{layer}_{name}":
          type: pandas.ParquetDataset
          filepath: data/{layer}/{name}.pq

        raw_companies:
          type: pandas.CSVDataset
          filepath: data/01_raw/companies.csv
    """,
    )
    spec = make_catalog(tmp_path).spec("raw_companies")

    assert spec.source is Source.EXPLICIT
    assert spec.pattern is None
    assert spec.type.short == "pandas.CSVDataset"
    assert spec.filepath == (tmp_path / "data/01_raw/companies.csv").as_posix()
    # same choice as Kedro
    real = kedro_catalog(tmp_path).get("raw_companies")
    assert type(real).__name__ == "CSVDataset"
    assert real._filepath == PurePosixPath(spec.filepath)


@pytest.mark.parametrize(
    ("name", "pattern", "filepath"),
    [
        # the most literal characters outside {} win, whatever the order in the file
        ("raw_companies_data", "{layer}_{name}_data", "data/by_layer_data/raw/companies.csv"),
        ("raw_companies", "raw_{name}", "data/raw/companies.csv"),
        ("int_companies", "{layer}_{name}", "data/by_layer/int/companies.csv"),
        # same specificity and placeholder count: alphabetical ('a' < '{')
        ("a_b", "a_{name}", "data/raw/a_b.csv"),
    ],
)
def test_pattern_precedence_is_kedros(tmp_path, name, pattern, filepath):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        "{layer}_{name}":
          type: pandas.CSVDataset
          filepath: data/by_layer/{layer}/{name}.csv

        "{name}_b":
          type: pandas.CSVDataset
          filepath: data/b/{name}.csv

        "raw_{name}":
          type: pandas.CSVDataset
          filepath: data/raw/{name}.csv

        "a_{name}":
          type: pandas.CSVDataset
          filepath: data/raw/a_{name}.csv

        "{layer}_{name}_data":
          type: pandas.CSVDataset
          filepath: data/by_layer_data/{layer}/{name}.csv
    """,
    )
    spec = make_catalog(tmp_path).spec(name)

    assert spec.source is Source.PATTERN
    assert spec.pattern == pattern
    assert spec.filepath == (tmp_path / filepath).as_posix()
    assert spec.declared == Declaration(
        Location("conf/base/catalog.yml", line_of(tmp_path, "conf/base/catalog.yml", pattern)),
        "base",
    )
    assert kedro_catalog(tmp_path).get(name)._filepath == PurePosixPath(spec.filepath)


_FACTORY_CONFIG = {
    "{namespace}.{name}": {"type": "pandas.CSVDataset", "filepath": "data/{namespace}/{name}.csv"},
    "{namespace}.int_{name}": {
        "type": "pandas.ParquetDataset",
        "filepath": "data/{namespace}/int/{name}.pq",
        "load_args": {"columns": ["{name}", "id"], "engine": "pyarrow"},
    },
    "raw_{source}_{year}": {
        "type": "pandas.CSVDataset",
        "filepath": "s3://bucket/{source}/{year}.csv",
        "credentials": "{source}_creds",
        "save_args": {"tags": ("{year}", 1, None), "index": False},
    },
    "{name}_model": {"type": "pickle.PickleDataset", "filepath": "data/06_models/{name}.pkl"},
    "companies": {"type": "pandas.CSVDataset", "filepath": "data/01_raw/companies.csv"},
}
_CATCH_ALL = {"{anything}": {"type": "pickle.PickleDataset", "filepath": "data/{anything}.pkl"}}


@pytest.mark.parametrize("catch_all", [False, True], ids=["no-catch-all", "catch-all"])
@settings(max_examples=300, deadline=None)
@given(
    name=st.from_regex(
        r"(raw_)?[a-z]{1,5}(_[0-9]{2,4})?(\.(int_)?[a-z]{1,5})?(_model)?", fullmatch=True
    )
    | st.just("companies")
)
def test_every_name_resolves_as_kedros_resolver_does(catch_all, name):
    config = {**_FACTORY_CONFIG, **(_CATCH_ALL if catch_all else {})}
    root = Path("/project")
    absolute = _convert_paths_to_absolute_posix(root, copy.deepcopy(config))
    kedro = CatalogConfigResolver(
        absolute,
        credentials=CredentialNames(),
        default_runtime_patterns=DataCatalog.default_runtime_patterns,
    )

    spec = Catalog(config, root).spec(name)

    assert spec.config == kedro.resolve_pattern(name)
    assert spec.pattern == (
        None
        if name in kedro.config
        else kedro.match_dataset_pattern(name) or kedro.match_user_catch_all_pattern(name)
    )


def test_user_catch_all_pattern_takes_unmatched_names(tmp_path):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        "{name}_model":
          type: pickle.PickleDataset
          filepath: data/06_models/{name}.pkl

        "{name}":
          type: pandas.CSVDataset
          filepath: data/any/{name}.csv
    """,
    )
    catalog = make_catalog(tmp_path)

    spec = catalog.spec("companies")
    assert spec.source is Source.PATTERN
    assert spec.pattern == "{name}"
    assert spec.type.short == "pandas.CSVDataset"
    assert not spec.is_memory
    assert spec.filepath == (tmp_path / "data/any/companies.csv").as_posix()
    assert spec.declared.location == Location(
        "conf/base/catalog.yml", line_of(tmp_path, "conf/base/catalog.yml", "{name}")
    )
    # a more specific pattern still comes first
    assert catalog.spec("reg_model").pattern == "{name}_model"
    real = kedro_catalog(tmp_path).get("companies")
    assert type(real).__name__ == "CSVDataset"
    assert real._filepath == PurePosixPath(spec.filepath)


def test_unmatched_name_falls_to_the_default_memory_dataset(tmp_path):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        "{name}_model":
          type: pickle.PickleDataset
          filepath: data/06_models/{name}.pkl
    """,
    )
    spec = make_catalog(tmp_path).spec("scored")

    assert spec.source is Source.DEFAULT
    assert spec.pattern is None
    assert spec.is_memory
    assert spec.type.short == "MemoryDataset"
    assert spec.type.full == "kedro.io.MemoryDataset"
    assert spec.filepath is None
    assert spec.protocol is None
    assert spec.load_path is None
    assert spec.exists is None
    assert spec.declared is None
    assert display_path(spec, tmp_path) is None
    # Kedro: not a catalog entry, created from the runtime pattern when a run needs it
    real = kedro_catalog(tmp_path)
    assert "scored" not in real
    assert type(real.get("scored", fallback_to_runtime_pattern=True)).__name__ == "MemoryDataset"


def test_memory_dataset_declared_by_a_pattern_is_a_pattern_and_memory(tmp_path):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        "{name}_mem":
          type: MemoryDataset
    """,
    )
    spec = make_catalog(tmp_path).spec("scratch_mem")
    assert spec.source is Source.PATTERN
    assert spec.pattern == "{name}_mem"
    assert spec.is_memory


def test_transcoded_names_resolve_to_their_own_entry(tmp_path):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        "features@pandas":
          type: pandas.ParquetDataset
          filepath: data/04_feature/features.pq

        "features@spark":
          type: spark.SparkDataset
          filepath: data/04_feature/features_spark.pq
    """,
    )
    catalog = make_catalog(tmp_path)
    pandas_spec, spark_spec = catalog.spec("features@pandas"), catalog.spec("features@spark")

    assert pandas_spec.source is spark_spec.source is Source.EXPLICIT
    assert pandas_spec.type.short == "pandas.ParquetDataset"
    assert spark_spec.type.short == "spark.SparkDataset"
    assert pandas_spec.filepath == (tmp_path / "data/04_feature/features.pq").as_posix()
    assert spark_spec.filepath == (tmp_path / "data/04_feature/features_spark.pq").as_posix()
    rel = "conf/base/catalog.yml"
    assert pandas_spec.declared.location == Location(rel, line_of(tmp_path, rel, "features@pandas"))
    assert spark_spec.declared.location == Location(rel, line_of(tmp_path, rel, "features@spark"))
    # the base name is not an entry of its own
    assert catalog.spec("features").source is Source.DEFAULT
    real = kedro_catalog(tmp_path).get("features@pandas")
    assert real._filepath == PurePosixPath(pandas_spec.filepath)


def test_spec_is_cached_per_name(tmp_path):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        companies:
          type: pandas.CSVDataset
          filepath: data/companies.csv
    """,
    )
    catalog = make_catalog(tmp_path)
    assert catalog.spec("companies") is catalog.spec("companies")


# -- paths -----------------------------------------------------------------------------------------


def test_relative_filepath_and_path_are_made_absolute_against_the_root(tmp_path, elsewhere):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        companies:
          type: pandas.CSVDataset
          filepath: data/01_raw/companies.csv

        parts:
          type: partitions.PartitionedDataset
          path: data/01_raw/parts
          dataset: pandas.CSVDataset

        absolute:
          type: pandas.CSVDataset
          filepath: /srv/shared/absolute.csv
    """,
    )
    write(tmp_path, "data/01_raw/companies.csv", "a\n1\n")
    write(tmp_path, "data/01_raw/parts/p1.csv", "a\n1\n")
    # a decoy at the same relative path under the CWD
    write(elsewhere, "data/01_raw/companies.csv", "a\n1\n")
    catalog = make_catalog(tmp_path)

    companies = catalog.spec("companies")
    assert companies.filepath == (tmp_path / "data/01_raw/companies.csv").as_posix()
    assert companies.protocol == "file"
    assert companies.is_local
    assert companies.load_path == tmp_path / "data/01_raw/companies.csv"
    assert companies.exists is True
    assert display_path(companies, tmp_path) == "data/01_raw/companies.csv"

    parts = catalog.spec("parts")
    assert parts.filepath == (tmp_path / "data/01_raw/parts").as_posix()
    assert parts.load_path == tmp_path / "data/01_raw/parts"
    assert parts.exists is True
    assert display_path(parts, tmp_path) == "data/01_raw/parts"

    absolute = catalog.spec("absolute")
    assert absolute.filepath == "/srv/shared/absolute.csv"
    assert absolute.load_path == Path("/srv/shared/absolute.csv")
    assert display_path(absolute, tmp_path) == "/srv/shared/absolute.csv"

    real = kedro_catalog(tmp_path)
    assert real.get("companies")._get_load_path() == PurePosixPath(companies.load_path)
    assert str(real.get("parts")._path) == parts.filepath


def test_missing_local_file_does_not_exist(tmp_path, elsewhere):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        scaler:
          type: pickle.PickleDataset
          filepath: data/06_models/scaler.pkl
    """,
    )
    write(elsewhere, "data/06_models/scaler.pkl")  # only under the CWD
    spec = make_catalog(tmp_path).spec("scaler")
    assert spec.load_path == tmp_path / "data/06_models/scaler.pkl"
    assert spec.exists is False
    assert kedro_catalog(tmp_path).get("scaler").exists() is False


def test_file_url_is_local(tmp_path):
    write(tmp_path, "data/x.csv", "a\n1\n")
    write(
        tmp_path,
        "conf/base/catalog.yml",
        f"""
        x:
          type: pandas.CSVDataset
          filepath: file://{(tmp_path / "data/x.csv").as_posix()}
    """,
    )
    spec = make_catalog(tmp_path).spec("x")
    assert spec.protocol == "file"
    assert spec.load_path == tmp_path / "data/x.csv"
    assert spec.exists is True
    assert display_path(spec, tmp_path) == "data/x.csv"


# -- CachedDataset ---------------------------------------------------------------------------------


def test_cached_dataset_is_unwrapped(tmp_path):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        lookup:
          type: CachedDataset
          dataset:
            type: pandas.CSVDataset
            filepath: data/01_raw/lookup.csv
            credentials: lookup_creds

        short_form:
          type: kedro.io.CachedDataset
          dataset: pickle.PickleDataset

        cached_memory:
          type: CachedDataset
          dataset:
            type: MemoryDataset
    """,
    )
    write(tmp_path, "data/01_raw/lookup.csv", "a\n1\n")
    catalog = make_catalog(tmp_path)

    lookup = catalog.spec("lookup")
    assert lookup.type.short == "CachedDataset"
    assert lookup.type.is_wrapper
    assert lookup.inner_type.short == "pandas.CSVDataset"
    assert lookup.filepath == (tmp_path / "data/01_raw/lookup.csv").as_posix()
    assert lookup.load_path == tmp_path / "data/01_raw/lookup.csv"
    assert lookup.exists is True
    assert lookup.credentials == "lookup_creds"
    assert not lookup.is_memory

    short_form = catalog.spec("short_form")
    assert short_form.inner_type.short == "pickle.PickleDataset"
    assert short_form.filepath is None

    assert catalog.spec("cached_memory").is_memory


# -- versioning: compared with Kedro's own _get_load_path() ----------------------------------------


@pytest.fixture
def versioned_project(tmp_path):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        companies:
          type: pandas.CSVDataset
          filepath: data/01_raw/companies.csv

        missing:
          type: pandas.CSVDataset
          filepath: data/01_raw/missing.csv

        regressor:
          type: pickle.PickleDataset
          filepath: data/06_models/regressor.pkl
          versioned: true

        pinned:
          type: pickle.PickleDataset
          filepath: data/06_models/regressor.pkl
          versioned: true

        "{name}_model":
          type: pickle.PickleDataset
          filepath: data/06_models/{name}.pkl
          versioned: true

        lookup:
          type: CachedDataset
          versioned: true
          dataset:
            type: pandas.CSVDataset
            filepath: data/01_raw/lookup.csv

        parts:
          type: partitions.PartitionedDataset
          path: data/01_raw/parts
          dataset: pandas.CSVDataset
    """,
    )
    write(tmp_path, "data/01_raw/companies.csv", "a\n1\n")
    write(tmp_path, "data/01_raw/parts/p.csv", "a\n1\n")
    for version in (V1, V2):
        write(tmp_path, f"data/06_models/regressor.pkl/{version}/regressor.pkl")
    # the newest version folder holds no file: Kedro skips it
    (tmp_path / f"data/06_models/regressor.pkl/{V3}").mkdir(parents=True)
    write(tmp_path, f"data/06_models/candidate.pkl/{V1}/candidate.pkl")
    write(tmp_path, f"data/01_raw/lookup.csv/{V2}/lookup.csv", "a\n1\n")
    return tmp_path


LOAD_VERSIONS = {"pinned": V1}


@pytest.mark.parametrize(
    "name", ["companies", "missing", "regressor", "pinned", "candidate_model", "lookup"]
)
def test_load_path_equals_kedros(versioned_project, elsewhere, name):
    spec = make_catalog(versioned_project, LOAD_VERSIONS).spec(name)
    dataset = kedro_catalog(versioned_project, LOAD_VERSIONS).get(name)
    inner = getattr(dataset, "_dataset", dataset)  # CachedDataset wraps the versioned one

    assert spec.load_path is not None
    assert PurePosixPath(spec.load_path) == inner._get_load_path()
    assert spec.exists is dataset.exists()
    assert spec.version == inner.resolve_load_version()
    assert spec.versioned is (spec.version is not None)


def test_newest_existing_version_is_chosen(versioned_project, elsewhere):
    spec = make_catalog(versioned_project).spec("regressor")
    assert spec.versioned
    assert spec.version == V2  # V3 exists as a folder but has no file
    assert spec.load_path == versioned_project / f"data/06_models/regressor.pkl/{V2}/regressor.pkl"
    assert spec.exists is True
    assert display_path(spec, versioned_project) == "data/06_models/regressor.pkl"


def test_pinned_version_is_used(versioned_project):
    spec = make_catalog(versioned_project, {"pinned": V1}).spec("pinned")
    assert spec.version == V1
    assert spec.load_path == versioned_project / f"data/06_models/regressor.pkl/{V1}/regressor.pkl"
    assert spec.exists is True


def test_pinned_version_that_is_not_on_disk(versioned_project):
    pinned = "1999-01-01T00.00.00.000Z"
    spec = make_catalog(versioned_project, {"pinned": pinned}).spec("pinned")
    assert spec.version == pinned
    assert spec.load_path is None  # by design: nothing to load (Kedro would fail on load)
    assert spec.exists is False
    assert kedro_catalog(versioned_project, {"pinned": pinned}).get("pinned").exists() is False


def test_versioned_without_any_version_has_no_load_path(tmp_path):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        never_saved:
          type: pickle.PickleDataset
          filepath: data/06_models/never_saved.pkl
          versioned: true
    """,
    )
    # an unversioned file at the base path is not a version
    write(tmp_path, "data/06_models/never_saved.pkl")
    spec = make_catalog(tmp_path).spec("never_saved")

    assert spec.versioned
    assert spec.version is None
    assert spec.load_path is None
    assert spec.exists is False
    assert kedro_catalog(tmp_path).get("never_saved").exists() is False


# -- remote files and credentials ------------------------------------------------------------------


def test_remote_protocol_cannot_be_checked_statically(tmp_path):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        s3_data:
          type: pandas.CSVDataset
          filepath: s3://my-bucket/raw/data.csv
          versioned: true

        gcs_data:
          type: pandas.CSVDataset
          filepath: gcs://my-bucket/raw/data.csv
    """,
    )
    catalog = make_catalog(tmp_path, {"s3_data": V1})

    s3 = catalog.spec("s3_data")
    assert s3.protocol == "s3"
    assert not s3.is_local
    assert s3.exists is None
    assert s3.load_path is None
    assert s3.filepath == "s3://my-bucket/raw/data.csv"  # not made absolute
    assert s3.version == V1
    assert display_path(s3, tmp_path) == "s3://my-bucket/raw/data.csv"

    gcs = catalog.spec("gcs_data")
    assert gcs.protocol == "gcs"
    assert gcs.exists is None
    assert gcs.version is None


def test_credentials_name_is_kept_and_never_read(tmp_path):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        s3_data:
          type: pandas.CSVDataset
          filepath: s3://my-bucket/raw/data.csv
          credentials: s3_creds

        "{name}_table":
          type: pandas.SQLTableDataset
          table_name: "{name}"
          credentials: db_creds

        cached_remote:
          type: CachedDataset
          dataset:
            type: pandas.CSVDataset
            filepath: s3://my-bucket/raw/cached.csv
            credentials: cache_creds
    """,
    )
    write(
        tmp_path,
        "conf/local/credentials.yml",
        """
        s3_creds:
          key: AKIA-SECRET-KEY
          secret: TOP-SECRET-VALUE
        db_creds:
          con: postgresql://user:TOP-SECRET-VALUE@host/db
    """,
    )
    config = conf(tmp_path)
    # Kedro itself needs the credentials to build its resolver ...
    with pytest.raises(KeyError, match="Unable to find credentials"):
        CatalogConfigResolver(
            _convert_paths_to_absolute_posix(tmp_path, copy.deepcopy(config)),
            credentials={},
            default_runtime_patterns=DataCatalog.default_runtime_patterns,
        )
    # ... ours does not
    catalog = make_catalog(tmp_path)

    for name, credentials in [
        ("s3_data", "s3_creds"),
        ("orders_table", "db_creds"),
        ("cached_remote", "cache_creds"),
    ]:
        spec = catalog.spec(name)
        assert spec.credentials == credentials
        assert "SECRET" not in repr(spec.config)
        assert "SECRET" not in repr(spec)
    assert catalog.spec("s3_data").config["credentials"] == "s3_creds"
    assert catalog.spec("orders_table").config == {
        "type": "pandas.SQLTableDataset",
        "table_name": "orders",
        "credentials": "db_creds",
    }
    assert catalog.spec("orders_table").filepath is None
    assert catalog.spec("orders_table").exists is None


# -- declarations ----------------------------------------------------------------------------------


def test_declared_points_at_the_entry_and_local_wins(tmp_path):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        # raw data
        companies:
          type: pandas.CSVDataset
          filepath: data/01_raw/companies.csv

        shuttles:
          type: pandas.ExcelDataset
          filepath: data/01_raw/shuttles.xlsx

        "{name}_model":
          type: pickle.PickleDataset
          filepath: data/06_models/{name}.pkl
    """,
    )
    write(
        tmp_path,
        "conf/base/catalog_extra.yml",
        """
        reviews:
          type: pandas.CSVDataset
          filepath: data/01_raw/reviews.csv
    """,
    )
    write(
        tmp_path,
        "conf/local/catalog.yml",
        """

        companies:
          type: pandas.CSVDataset
          filepath: data/01_raw/companies_local.csv
    """,
    )
    catalog = make_catalog(tmp_path)
    base, extra, local = (
        "conf/base/catalog.yml",
        "conf/base/catalog_extra.yml",
        "conf/local/catalog.yml",
    )

    companies = catalog.spec("companies")
    assert companies.declared == Declaration(
        Location(local, line_of(tmp_path, local, "companies")), "local"
    )
    assert companies.filepath == (tmp_path / "data/01_raw/companies_local.csv").as_posix()
    assert catalog.spec("shuttles").declared == Declaration(
        Location(base, line_of(tmp_path, base, "shuttles")), "base"
    )
    assert catalog.spec("reviews").declared == Declaration(
        Location(extra, line_of(tmp_path, extra, "reviews")), "base"
    )
    assert catalog.spec("regressor_model").declared == Declaration(
        Location(base, line_of(tmp_path, base, "{name}_model")), "base"
    )
    assert line_of(tmp_path, base, "companies") == 2  # sanity: the helper counts from 1


# -- ConfLocations ---------------------------------------------------------------------------------


def test_conf_locations_find_nested_keys_and_closest_parent(tmp_path):
    write(
        tmp_path,
        "conf/base/parameters.yml",
        """
        threshold: 0.5
        model_options:
          test_size: 0.2
          random_state: 3
          features:
            - engines
            - passenger_capacity
          nested:
            deep:
              deeper: 1
    """,
    )
    write(
        tmp_path,
        "conf/local/parameters.yml",
        """
        threshold: 0.7
    """,
    )
    locations = ConfLocations.scan(tmp_path, tmp_path / "conf", ["base", "local"], ["parameters*"])
    base = "conf/base/parameters.yml"

    assert locations.find("model_options") == Declaration(Location(base, 2), "base")
    assert locations.find("model_options", "test_size") == Declaration(Location(base, 3), "base")
    assert locations.find("model_options", "random_state").location.line == 4
    assert locations.find("model_options", "nested", "deep", "deeper").location.line == 10
    # no such key: the closest declared parent
    assert locations.find("model_options", "nested", "deep", "nope").location.line == 9
    assert locations.find("model_options", "features", "0").location.line == 5
    assert locations.find("model_options", "missing") == Declaration(Location(base, 2), "base")
    assert locations.find("unknown") is None
    assert locations.find("unknown", "child") is None
    # the run env wins
    assert locations.find("threshold") == Declaration(
        Location("conf/local/parameters.yml", 1), "local"
    )


def test_conf_locations_reads_the_files_kedro_reads(tmp_path):
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        shown:
          type: MemoryDataset
    """,
    )
    write(
        tmp_path,
        "conf/base/sub/catalog.yml",
        """
        nested:
          type: MemoryDataset
    """,
    )
    write(
        tmp_path,
        "conf/base/.ipynb_checkpoints/catalog.yml",
        """
        hidden:
          type: MemoryDataset
    """,
    )
    write(
        tmp_path,
        "conf/base/catalog.txt",
        """
        not_config:
          type: MemoryDataset
    """,
    )
    write(tmp_path, "conf/base/broken_catalog.yml", "a: [unclosed\n")
    patterns = ["catalog*", "**/catalog*"]
    locations = ConfLocations.scan(tmp_path, tmp_path / "conf", ["base", "local"], patterns)

    assert locations.find("shown").location == Location("conf/base/catalog.yml", 1)
    assert locations.find("nested").location == Location("conf/base/sub/catalog.yml", 1)
    assert locations.find("hidden") is None
    assert locations.find("not_config") is None
    # same files as Kedro's loader with the same patterns (minus the malformed one)
    (tmp_path / "conf/base/broken_catalog.yml").unlink()
    (tmp_path / "conf/local").mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kedro_conf = OmegaConfigLoader(
            str(tmp_path / "conf"),
            base_env="base",
            default_run_env="local",
            config_patterns={"catalog": patterns},
        )["catalog"]
    assert sorted(kedro_conf) == ["nested", "shown"]


def test_catalog_and_parameters_in_folders_are_indexed(project_copy):
    """conf/<env>/catalog/*.yml and parameters/*.yml, as users split their config: findings
    point at those files' lines, and suppression comments there apply (pathlib's glob would
    not see those files before Python 3.13: servecheck globs as Kedro does)."""
    project = project_copy("churn")
    base = project / "conf/base"
    (base / "catalog").mkdir()
    (base / "parameters").mkdir()
    catalog = (
        (base / "catalog.yml")
        .read_text()
        .replace("classifier:\n", "classifier:  # servecheck: ignore[SC202] trained in CI\n")
    )
    (base / "catalog/models.yml").write_text(catalog)
    (base / "catalog.yml").unlink()
    (base / "parameters/inference.yml").write_text((base / "parameters.yml").read_text())
    (base / "parameters.yml").unlink()
    (project / "data/06_models/classifier.pkl").unlink()
    (project / "data/06_models/scaler.pkl").unlink()
    run = servecheck(
        "check", project, "--pipeline", "inference", "--require-artifacts", "--format", "json"
    )
    findings = run.json()["findings"]
    (scaler,) = [f for f in findings if f["code"] == "SC202"]  # classifier's is suppressed
    assert scaler["dataset"] == "scaler"
    assert scaler["location"]["path"] == "conf/base/catalog/models.yml"
    frozen = {f["dataset"]: f["location"] for f in findings if f["code"] == "SC303"}
    assert frozen["params:threshold"] == {"path": "conf/base/parameters/inference.yml", "line": 6}
