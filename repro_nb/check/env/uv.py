"""uv, the resolver and installer every restore goes through (venv + pip when uv cannot run).

uv is a declared dependency: its wheel ships the binary, found with ``uv.find_uv_bin()``.
It resolves "as of a date" (``--exclude-newer``), installs from a shared cache by hard
links (a cold restore of familiar packages takes seconds) and writes PEP 751 locks. It is
run as a child process with ``UV_PYTHON_DOWNLOADS=never``: a restore uses a Python that
is here, it never downloads one.

Its failures are turned into :class:`UvFailure` — the sentence uv gives as the cause,
and the ``name==version`` pins it names — never a traceback; :mod:`.restore` asks the
index (:mod:`.registry`) about those pins for the reason and the nearest version.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from ...errors import EnvironmentRestoreError

#: A resolution or an install may download for a while; a hung index must still end.
_TIMEOUT_S = 900


@functools.cache
def uv_binary() -> str | None:
    """The uv executable, if one runs here: the ``uv`` package's, else one on ``PATH``."""
    candidates: list[str] = []
    try:
        from uv import find_uv_bin

        candidates.append(str(find_uv_bin()))
    except (ImportError, FileNotFoundError):
        pass
    on_path = shutil.which("uv")
    if on_path:
        candidates.append(on_path)
    for candidate in candidates:
        try:
            done = subprocess.run([candidate, "--version"], capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return candidate
    return None


def uv_env() -> dict[str, str]:
    """The child's environment: never download a Python, no progress bars, no colour."""
    env = dict(os.environ)
    env.update({"UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1", "NO_COLOR": "1"})
    env.pop("VIRTUAL_ENV", None)  # uv would take the checker's own venv as the target
    return env


@dataclass(frozen=True)
class UvFailure:
    """Why uv refused: its own cause sentence and the ``(name, version)`` pins it names."""

    message: str
    pins: tuple[tuple[str, str], ...]
    not_found: tuple[str, ...] = ()
    """Projects the index does not have at all."""


_PIN_IN_CAUSE = re.compile(r"\b([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+?)(?=[\s,;:)]|$)")
_NOT_FOUND = re.compile(r"\b([A-Za-z0-9][A-Za-z0-9._-]*) was not found in the package registry")


def parse_failure(stderr: str) -> UvFailure:
    """The cause uv gives (its ``cause:``/``error:`` lines, no hints), and what it names."""
    lines = [line.rstrip() for line in stderr.splitlines() if line.strip()]
    kept: list[str] = []
    for line in lines:
        text = line.strip()
        if text.startswith(("hint:", "help:")):
            break
        if text.startswith(("error:", "cause:", "×", "╰─▶", "Caused by:")) or kept:
            kept.append(re.sub(r"^(error:|cause:|×|╰─▶|Caused by:)\s*", "", text))
    message = " ".join(k for k in kept if k) or (lines[-1] if lines else "uv failed without saying why")
    pins = tuple(dict.fromkeys((m.group(1), m.group(2).rstrip(".")) for m in _PIN_IN_CAUSE.finditer(message)))
    not_found = tuple(dict.fromkeys(m.group(1) for m in _NOT_FOUND.finditer(message)))
    return UvFailure(message, pins, not_found)


class UvError(EnvironmentRestoreError):
    def __init__(self, what: str, failure: UvFailure) -> None:
        super().__init__(f"{what}: {failure.message}")
        self.failure = failure


def run_uv(args: Sequence[str], what: str, stdin: str | None = None, cwd: str | None = None) -> str:
    """Run ``uv ARGS``; its stdout, or :class:`UvError` with uv's own reason."""
    binary = uv_binary()
    if binary is None:
        raise EnvironmentRestoreError("uv cannot run here (pip install uv)")
    try:
        done = subprocess.run(
            [binary, *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
            env=uv_env(),
            cwd=cwd,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise EnvironmentRestoreError(f"{what}: uv did not finish within {_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        raise UvError(what, parse_failure(done.stderr))
    return done.stdout


def compile_requirements(
    requirements: Sequence[str],
    *,
    python: str,
    exclude_newer: str | None = None,
    output_format: str = "requirements.txt",
    no_deps: bool = False,
    only_binary: Sequence[str] = (),
) -> str:
    """``uv pip compile``: exact pins for ``requirements`` (for ``python``, as of a date)."""
    args = ["pip", "compile", "-", "--python-version", python, "--no-header", "--quiet"]
    if output_format != "requirements.txt":
        args += ["--format", output_format]
    else:
        args += ["--no-annotate"]
    if exclude_newer:
        args += ["--exclude-newer", exclude_newer]
    if no_deps:
        args.append("--no-deps")
    for name in only_binary:
        args += ["--only-binary", name]
    return run_uv(args, "resolving the environment failed", stdin="\n".join(requirements) + "\n")


def create_venv(directory: str, python: str) -> None:
    run_uv(
        ["venv", "--quiet", "--allow-existing", "--python", python, "--relocatable", directory],
        "creating the virtual environment failed",
    )


def install(
    directory: str,
    requirements: Sequence[str],
    *,
    exclude_newer: str | None = None,
    only_binary: Sequence[str] = (),
) -> None:
    """``uv pip install`` into the venv at ``directory`` (resolving and installing at once)."""
    args = ["pip", "install", "--quiet", "--python", venv_python(directory), "-r", "-"]
    if exclude_newer:
        args += ["--exclude-newer", exclude_newer]
    for name in only_binary:
        args += ["--only-binary", name]
    run_uv(args, "installing the environment failed", stdin="\n".join(requirements) + "\n")


def freeze(directory: str) -> list[str]:
    """``name==version`` of everything installed in the venv (what the restore produced)."""
    out = run_uv(["pip", "freeze", "--python", venv_python(directory)], "listing the environment failed")
    return [line.strip() for line in out.splitlines() if "==" in line]


def venv_python(directory: str) -> str:
    if os.name == "nt":
        return os.path.join(directory, "Scripts", "python.exe")
    return os.path.join(directory, "bin", "python")


# ---------------------------------------------------------------- without uv


def pip_create_and_install(directory: str, requirements_file: str, python: str = sys.executable) -> None:
    """The fallback when uv cannot run: ``python -m venv`` and pip. Slower, same result."""
    for args, what in (
        ([python, "-m", "venv", directory], "creating the virtual environment failed"),
        (
            [
                venv_python(directory),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                requirements_file,
            ],
            "installing the environment failed",
        ),
    ):
        try:
            done = subprocess.run(
                args,
                capture_output=True,
                text=True,
                timeout=_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise EnvironmentRestoreError(f"{what}: pip did not finish within {_TIMEOUT_S} s") from exc
        if done.returncode != 0:
            tail = [line for line in done.stderr.splitlines() if line.strip() and "is ignored" not in line]
            reason = tail[-1] if tail else "pip failed without saying why"
            pins = tuple((m.group(1), m.group(2)) for m in _PIN_IN_CAUSE.finditer(" ".join(tail[-5:])))
            raise UvError(what, UvFailure(reason.removeprefix("ERROR: "), pins))
