"""Which values servecheck redacts from error text (`redaction`): the rule, on plain data."""

from __future__ import annotations

import pytest

from kedro_servecheck import redaction
from kedro_servecheck.redaction import redact, remember_config, remember_credentials


@pytest.fixture(autouse=True)
def no_secrets_yet(monkeypatch):
    monkeypatch.setattr(redaction, "_known", set())


def test_every_credentials_value_is_redacted():
    remember_credentials({"db": {"con": "postgresql://alice@db/prod", "user": "alice-admin"}})

    said = redact("cannot connect to postgresql://alice@db/prod as alice-admin")

    assert said == "cannot connect to *** as ***"


def test_secret_keys_of_the_catalog_are_redacted_at_any_depth_names_and_paths_are_not():
    remember_config(
        {
            "model": {
                "type": "pandas.CSVDataset",
                "filepath": "data/06_models/model.csv",
                "credentials": "s3_creds",  # the name of an entry of credentials.yml
                "load_args": {"storage_options": {"token": "tok-123456"}},
                "fs_args": {"client_kwargs": {"aws_secret_access_key": "AKIA-CANARY"}},
            }
        }
    )

    said = redact(
        "CSVDataset(filepath=data/06_models/model.csv, s3_creds, tok-123456, AKIA-CANARY)"
    )

    assert said == "CSVDataset(filepath=data/06_models/model.csv, s3_creds, ***, ***)"


def test_a_url_password_is_redacted_even_when_never_seen():
    assert redact("s3://key:sekrit@bucket/x.csv") == "s3://key:***@bucket/x.csv"


def test_values_shorter_than_four_characters_are_kept():
    remember_credentials({"db": {"port": "543"}})

    assert redact("port 543") == "port 543"
