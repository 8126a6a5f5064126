"""What the record never holds: credential files, and paths that say who or where the user is.

The record is published with the notebook — in a git repository, as supplementary
material — so two promises hold for every file a cell touches:

**Credential locations are never recorded**, not even by name, size or hash: a hash of a
short secret file is a dictionary attack away from the secret, and its name says which
services the author uses. :data:`CREDENTIAL_PATHS` (under the home directory),
:data:`CREDENTIAL_NAMES` (wherever they are) and the files the usual environment
variables point at (:data:`CREDENTIAL_ENV_VARS`) form a deny-list that cannot be switched
off; ``%config ReproNB.never_record = [...]`` adds to it. ``%repro_data`` refuses to pin
such a file, and a pinned directory's manifest leaves them out.

**No absolute path, and nothing that names the user**: a path is shown

- relative to the notebook's folder when inside it (``data/x.csv``);
- relative to it, with ``..``, when inside the notebook's *project* — the nearest folder
  above with a ``.git``, ``pyproject.toml``, … (``../data/x.csv``); another clone of the
  project has the same layout;
- as ``~/…`` when inside the home directory (the user name removed; another user's
  ``~`` has the same meaning);
- otherwise as ``<outside:HASH>/NAME``: HASH a salted BLAKE2 hash of the directory, the
  same in every session of this user on this machine (so a re-check matches it) and
  meaningless anywhere else. The salt is a random secret in repro-nb's cache directory,
  created on first use; without a writable cache, one per session.

:func:`display_path` is the one function that turns a path into its recorded form;
:func:`repro_nb.format.recorded_paths.locate` reads it back for the checker.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import os
import re
import secrets
from collections.abc import Iterable

from ..format.recorded_paths import OUTSIDE_PREFIX

__all__ = [
    "CREDENTIAL_ENV_VARS",
    "CREDENTIAL_NAMES",
    "CREDENTIAL_PATHS",
    "CredentialFilter",
    "display_path",
    "project_root",
]

#: Credential locations under the home directory (``*`` matches any depth).
CREDENTIAL_PATHS: tuple[str, ...] = (
    "~/.netrc",
    "~/_netrc",
    "~/.pgpass",
    "~/.my.cnf",
    "~/.git-credentials",
    "~/.pypirc",
    "~/.npmrc",
    "~/.yarnrc",
    "~/.boto",
    "~/.s3cfg",
    "~/.databrickscfg",
    "~/.vault-token",
    "~/.ssh/*",
    "~/.gnupg/*",
    "~/.aws/*",
    "~/.azure/*",
    "~/.kube/*",
    "~/.docker/config.json",
    "~/.config/gcloud/*",
    "~/.config/gh/*",
    "~/.config/hub",
    "~/.kaggle/*",
    "~/.huggingface/token",
    "~/.cache/huggingface/token",
    "~/.terraform.d/credentials.tfrc.json",
    "~/.local/share/keyrings/*",
    "~/.password-store/*",
    "~/Library/Keychains/*",
    "/run/secrets/*",
    "/var/run/secrets/*",
)

#: File names that hold credentials wherever they are (a project's ``.env`` as much as ``~/.env``).
CREDENTIAL_NAMES: tuple[str, ...] = (
    ".netrc",
    "_netrc",
    ".pgpass",
    ".env",
    ".env.*",
    ".envrc",
    ".git-credentials",
    ".htpasswd",
    "id_rsa",
    "id_rsa.*",
    "id_dsa",
    "id_ecdsa",
    "id_ecdsa.*",
    "id_ed25519",
    "id_ed25519.*",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.keytab",
    "client_secret*.json",
    "secrets.toml",
)

#: Variables that point at credential files or directories; their targets are denied too.
CREDENTIAL_ENV_VARS: tuple[str, ...] = (
    "NETRC",
    "PGPASSFILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "CLOUDSDK_CONFIG",
    "AZURE_CONFIG_DIR",
    "KUBECONFIG",
    "DOCKER_CONFIG",
    "GNUPGHOME",
    "PASSWORD_STORE_DIR",
)

#: What makes a folder a project's root (looked for from the notebook's folder upwards).
PROJECT_MARKERS: tuple[str, ...] = (".git", ".hg", ".svn", "pyproject.toml", "setup.py", "setup.cfg")


def _home() -> str:
    home = os.path.expanduser("~").rstrip(os.sep)
    return home if home and home != os.sep.rstrip(os.sep) else ""


class CredentialFilter:
    """Decides whether a file is a credential location, never to be recorded."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        home = _home()
        path_globs: list[str] = []
        name_globs: list[str] = list(CREDENTIAL_NAMES)
        for pattern in (*CREDENTIAL_PATHS, *extra):
            if "/" not in pattern and os.sep not in pattern:
                name_globs.append(pattern)
            elif pattern.startswith("~"):
                if home:
                    path_globs.append(home + pattern[1:])
            elif os.path.isabs(pattern):
                path_globs.append(pattern)
            else:  # "secrets/*.json": such a path anywhere
                path_globs.append("*/" + pattern)
        targets: list[str] = []
        for variable in CREDENTIAL_ENV_VARS:
            value = os.environ.get(variable)
            for target in value.split(os.pathsep) if value else ():  # KUBECONFIG is a list
                if target:
                    targets.append(os.path.abspath(os.path.expanduser(target)))
        self._paths = GlobSet(path_globs, exact=targets, prefixes=[t + "/" for t in targets])
        self._names = GlobSet(name_globs)

    def denied(self, path: str) -> bool:
        """Whether an absolute, normalised ``path`` (file or directory) is a credential location."""
        if self._names.match(os.path.basename(path)):
            return True
        return bool(self._paths.match(path) or self._paths.match(path + "/"))


class GlobSet:
    """fnmatch patterns (``*`` crossing ``/``), matched as strings where they are plain.

    Nearly every credential pattern is a literal (``.netrc``), a prefix (``~/.ssh/*``) or
    a suffix (``*.pem``): a set and two ``str`` tests answer those. The rest become one
    regular expression, compiled when first needed: compiling every pattern as a regular
    expression cost 20 ms at each ``%load_ext``.
    """

    def __init__(self, globs: Iterable[str], exact: Iterable[str] = (), prefixes: Iterable[str] = ()) -> None:
        self._exact = set(exact)
        starts, ends, others = list(prefixes), [], []
        for glob in globs:
            stem, star, rest = glob.partition("*")
            if not _MAGIC.search(glob):
                self._exact.add(glob)
            elif star and not rest and not _MAGIC.search(stem):
                starts.append(stem)
            elif not stem and star and not _MAGIC.search(rest):
                ends.append(rest)
            else:
                others.append(glob)
        self._starts, self._ends, self._others = tuple(starts), tuple(ends), others
        self._regex: re.Pattern[str] | None = None

    def match(self, text: str) -> bool:
        if text in self._exact or text.startswith(self._starts) or text.endswith(self._ends):
            return True
        if not self._others:
            return False
        if self._regex is None:
            self._regex = re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in self._others))
        return self._regex.match(text) is not None


_MAGIC = re.compile(r"[*?[]")


# ------------------------------------------------------------------ recorded paths


@functools.lru_cache(maxsize=64)
def project_root(folder: str) -> str:
    """The nearest folder at or above ``folder`` with a project marker; ``folder`` if none.

    Never the home directory itself nor ``/``: a ``.git`` in ``~`` does not make the
    whole home one project whose paths may be spelled out.
    """
    home = _home()
    current = folder
    while True:
        if current in (home, os.sep) or not current:
            return folder
        if any(os.path.exists(os.path.join(current, marker)) for marker in PROJECT_MARKERS):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return folder
        current = parent


@functools.lru_cache(maxsize=1)
def _salt() -> bytes:
    """This user's secret salt for hashed paths: stable across sessions, never recorded."""
    from ..format.distributions import cache_dir

    path = os.path.join(cache_dir(), "path-salt")
    try:
        with open(path, "rb") as handle:
            salt = handle.read()
        if len(salt) >= 16:
            return salt
    except OSError:
        pass
    salt = secrets.token_bytes(32)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(salt)
    except FileExistsError:  # another kernel made it first: use theirs
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError:
            return salt
    except OSError:  # no writable cache: stable for this session only
        pass
    return salt


def hashed_location(path: str) -> str:
    """``<outside:HASH>/NAME``: the file's name, its directory as a salted hash."""
    directory, name = os.path.split(path)
    digest = hashlib.blake2b(os.fsencode(directory), key=_salt()[:64], digest_size=8).hexdigest()
    return f"{OUTSIDE_PREFIX}{digest}>/{name}"


def display_path(path: str, base_dir: str) -> str:
    """How a path is recorded (see the module's docstring); ``path`` and ``base_dir`` absolute and normal.

    Non-UTF-8 bytes are shown escaped.
    """
    base = base_dir.rstrip(os.sep) + os.sep
    if path.startswith(base):
        shown = path[len(base) :]  # both normalised: what relpath would give, without its work
    else:
        project = project_root(base_dir.rstrip(os.sep) or os.sep)
        home = _home()
        if project != base_dir.rstrip(os.sep) and path.startswith(project.rstrip(os.sep) + os.sep):
            shown = os.path.relpath(path, base_dir)
        elif home and path.startswith(home + os.sep):
            shown = "~/" + path[len(home) + 1 :]
        else:
            shown = hashed_location(path)
    shown = shown.replace(os.sep, "/")
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
