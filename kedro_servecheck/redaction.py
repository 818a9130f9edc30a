"""Secrets of the loaded project, kept out of what servecheck prints about an error.

Kedro's own error text echoes a dataset's arguments ("Failed while loading data from dataset
CSVDataset(filepath=…, load_args={…})"), and a library's may echo an option or a URL. Before
servecheck shows such text (an error message, an internal error, a `--debug` traceback), it
replaces each secret of the project with `***`. A secret is:

- every string value of the credentials, once they are read (export reads them; the check
  never does), and of a `credentials:` mapping written inline in a catalog entry (a
  `credentials: name` is the name of an entry of credentials.yml, not a secret);
- the value of a key whose name says it holds one (`password`, `token`, `secret`, `api_key`,
  `access_key`, `con`…), at any depth of the catalog and parameters (`load_args`,
  `save_args`, `fs_args`, `storage_options`…);
- the password of a URL (`scheme://user:password@host`), wherever it appears.

Values shorter than 4 characters are not redacted: replacing them would garble the text
around them more than it would hide.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

MASK = "***"
MIN_LENGTH = 4
_SECRET_WORDS = {
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "credential",
    "credentials",
    "auth",
    "authorization",
    "signature",
    "sas",
    "apikey",
    "con",
    "connection",
}
_KEY_SUFFIX = re.compile(r"(?i)^(api|access|account|private|secret|client|master|session)[_-]?key$")
_URL_PASSWORD = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^@\s/]+@")
_known: set[str] = set()


def remember_config(config: Mapping[str, Any]) -> None:
    """Record the secrets of a catalog or parameters configuration (by the rule above)."""
    _known.update(_secret_values(config, inside_secret=False))


def remember_credentials(credentials: Mapping[str, Any]) -> None:
    """Record every string value of the project's credentials."""
    _known.update(_secret_values(credentials, inside_secret=True))


def redact(text: str) -> str:
    """`text` with every known secret, and every URL's password, replaced by `***`."""
    for secret in sorted(_known, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _URL_PASSWORD.sub(rf"\g<scheme>:{MASK}@", text)


def is_secret_key(key: object) -> bool:
    """Whether a configuration key's name says that its value is a secret."""
    name = str(key).lower()
    words = set(re.split(r"[^a-z0-9]+", name))
    return bool(words & _SECRET_WORDS) or bool(_KEY_SUFFIX.match(name))


def _secret_values(value: Any, inside_secret: bool) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "credentials" and isinstance(item, str) and not inside_secret:
                continue  # the name of an entry of credentials.yml
            yield from _secret_values(item, inside_secret or is_secret_key(key))
    elif isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        for item in value:
            yield from _secret_values(item, inside_secret)
    elif inside_secret and isinstance(value, str) and len(value) >= MIN_LENGTH:
        yield value
