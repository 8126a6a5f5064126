"""``repro-nb env restore``: a virtual environment with a notebook's versions, and its kernel.

One straight pipeline: pick the Python (the local one: uv cannot download builds here,
so a notebook that wanted another is told so) → find the environment in the cache by the
lock's hash, or build it: a venv by uv, the pins plus ipykernel installed by uv in one
resolution (venv + pip when uv cannot run) → put repro-nb's recorder in it → write a
kernelspec named after the notebook → say what was done and how long it took.

Pins that cannot be had are reported by name, with the reason and the nearest
installable version from the index (:mod:`.registry`), never as a resolver traceback;
with ``nearest=True`` those versions are taken instead, and said.

The cache: ``~/.cache/repro-nb/envs/<lock hash>/`` (``REPRO_NB_ENVS`` moves it), one
environment per set of pins, built under a file lock (two checks restoring the same
pins build it once) and marked complete only when everything is in place, so a restore
that was interrupted is rebuilt, not reused. uv's own cache (hard links) makes a cold
restore of packages seen before take seconds.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ..._version import __version__
from ...errors import EnvironmentRestoreError, UnavailablePinsError
from ...format.check_types import RestoredEnvironmentJson
from ...format.distributions import cache_dir
from ...format.files import atomic_write_text
from . import uv
from .registry import Availability, availability
from .spec import EnvSpec, local_python, minor_of, normalize_name

#: The stamp that marks a complete environment (written last).
STAMP = "repro-nb-env.json"
#: What a restore writes its requirements to, inside the environment.
REQUIREMENTS = "repro-nb-requirements.txt"

Installer = Literal["uv", "pip"]
Progress = Callable[[str], None]


def envs_root() -> str:
    """Where restored environments are kept: ``REPRO_NB_ENVS``, else the user's cache."""
    return os.environ.get("REPRO_NB_ENVS") or os.path.join(cache_dir(), "envs")


@dataclass
class RestoredEnv:
    """A restored environment: where it is, its kernel, and what it took."""

    directory: str
    python: str
    """The environment's interpreter."""
    python_version: str
    kernel_name: str
    lock_hash: str
    spec: EnvSpec
    cached: bool
    duration_s: float
    installer: Installer
    installed: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    python_note: str | None = None
    substituted: dict[str, tuple[str, str]] = field(default_factory=dict)
    """With ``nearest``: distribution → (wanted version, installed version)."""
    registered_in: str | None = None

    @property
    def jupyter_path(self) -> str:
        """The ``JUPYTER_PATH`` entry under which the environment's kernelspec lives."""
        return os.path.join(self.directory, "share", "jupyter")

    def to_json(self) -> RestoredEnvironmentJson:
        return {
            "origin": self.spec.origin,
            "directory": self.directory,
            "lock_hash": self.lock_hash,
            "kernel": self.kernel_name,
            "python": self.python_version,
            "python_note": self.python_note,
            "cached": self.cached,
            "duration_s": round(self.duration_s, 3),
            "installer": self.installer,
            "pins": self.spec.requirements(),
            "substituted": {name: {"wanted": old, "used": new} for name, (old, new) in self.substituted.items()},
        }


def python_note(spec: EnvSpec, used: str) -> str | None:
    """A plain sentence when the notebook wanted another Python than the one restores use."""
    if spec.python and minor_of(spec.python) != minor_of(used):
        return (
            f"the notebook was {'recorded' if spec.origin == 'recorded' else 'saved'} with Python {spec.python}; "
            f"restored with the local Python {used} (no Python {minor_of(spec.python)} here, and uv cannot download one)"
        )
    return None


def restore(
    spec: EnvSpec,
    directory: str | None = None,
    *,
    nearest: bool = False,
    register: bool = False,
    on_step: Progress | None = None,
    installer: Installer | None = None,
) -> RestoredEnv:
    """The environment of ``spec``, from the cache or built now; see the module docstring.

    ``installer``: ``"pip"`` forces venv + pip (the fallback, and the benchmark's baseline).
    """
    start = time.perf_counter()
    say = on_step or (lambda _text: None)
    used = local_python()
    note = python_note(spec, used)
    lock_hash = spec.lock_hash(used)
    target = os.path.abspath(directory or os.path.join(envs_root(), lock_hash))
    with _locked(target):
        stamp = _read_stamp(target)
        if stamp is not None and stamp.get("lock_hash") == lock_hash and os.path.exists(uv.venv_python(target)):
            steps = [f"reused the environment {target} (same pins, lock {lock_hash})"]
            say(steps[0])
            env = RestoredEnv(
                target,
                uv.venv_python(target),
                str(stamp.get("python_version") or used),
                "",
                lock_hash,
                spec,
                cached=True,
                duration_s=0.0,
                installer=stamp.get("installer", "uv"),
                installed=list(stamp.get("installed", [])),
                steps=steps,
                python_note=note,
            )
        else:
            try:
                env = _build(spec, target, lock_hash, used, note, say, installer)
            except UnavailablePinsError as exc:
                if not nearest:
                    raise
                return _restore_nearest(spec, exc, directory, register, say, start)
        _sync_recorder(env, say)
        env.kernel_name = write_kernelspec(env)
        if register:
            env.registered_in = register_kernel(env)
            env.steps.append(f"registered kernel {env.kernel_name} in {env.registered_in}")
            say(env.steps[-1])
    env.duration_s = time.perf_counter() - start
    return env


def _restore_nearest(
    spec: EnvSpec, exc: UnavailablePinsError, directory: str | None, register: bool, say: Progress, start: float
) -> RestoredEnv:
    """``--nearest``: the same restore with each unavailable pin at its nearest version."""
    unavailable = [item for item in exc.unavailable if isinstance(item, Availability)]
    missing = [item for item in unavailable if not item.nearest]
    if missing:
        raise UnavailablePinsError(list(missing))
    changes: dict[str, str | None] = {item.name: item.nearest for item in unavailable}
    for item in unavailable:
        say(f"taking {item.name} {item.nearest} instead of {item.version} ({item.reason})")
    env = restore(spec.with_versions(changes), directory, nearest=False, register=register, on_step=say)
    env.substituted = {item.name: (item.version, str(item.nearest)) for item in unavailable}
    env.duration_s = time.perf_counter() - start
    return env


def _build(
    spec: EnvSpec, target: str, lock_hash: str, used: str, note: str | None, say: Progress, forced: Installer | None
) -> RestoredEnv:
    if os.path.exists(target) and os.listdir(target):
        if _read_stamp(target) is None and not os.path.exists(os.path.join(target, ".repro-nb-partial")):
            raise EnvironmentRestoreError(
                f"{target} exists and is not an environment repro-nb restored: choose another DIR"
            )
        shutil.rmtree(target)
    os.makedirs(target, exist_ok=True)
    Path(target, ".repro-nb-partial").touch()
    steps: list[str] = []
    if note:
        steps.append(note)
        say(note)
    requirements = spec.requirements(with_kernel=True)
    installer: Installer = forced or ("uv" if uv.uv_binary() else "pip")
    begun = time.perf_counter()
    try:
        if installer == "uv":
            uv.create_venv(target, sys.executable)
            _uv_install(spec, target, requirements, say)
        else:
            requirements_file = os.path.join(target, REQUIREMENTS)
            atomic_write_text(requirements_file, "\n".join(requirements) + "\n")
            say(
                f"{'uv cannot run here: ' if forced is None else ''}venv + pip, installing {len(spec.pins)} pin(s) and ipykernel"
            )
            uv.pip_create_and_install(target, requirements_file)
    except uv.UvError as exc:
        shutil.rmtree(target, ignore_errors=True)
        unavailable = _diagnose(spec, exc.failure, used)
        if unavailable:
            raise UnavailablePinsError(list(unavailable), note) from None
        raise
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    steps.append(
        f"installed {len(spec.pins)} pinned distribution(s) and ipykernel with {installer} "
        f"into {target} in {time.perf_counter() - begun:.1f} s"
    )
    say(steps[-1])
    atomic_write_text(os.path.join(target, REQUIREMENTS), "\n".join(requirements) + "\n")
    installed = uv.freeze(target) if installer == "uv" else _pip_freeze(target)
    python_version = _python_version(uv.venv_python(target)) or used
    env = RestoredEnv(
        target,
        uv.venv_python(target),
        python_version,
        "",
        lock_hash,
        spec,
        cached=False,
        duration_s=0.0,
        installer=installer,
        installed=installed,
        steps=steps,
        python_note=note,
    )
    _check_pins(env)
    _write_stamp(env)
    with contextlib.suppress(OSError):
        os.remove(os.path.join(target, ".repro-nb-partial"))
    return env


def _uv_install(spec: EnvSpec, target: str, requirements: list[str], say: Progress) -> None:
    """Install, wheels only for the pins (an old sdist rarely builds years later); a pin whose
    release has no wheel at all (a pure-Python sdist) may be built."""
    only_binary = [pin.name for pin in spec.pins]
    say(f"installing {len(spec.pins)} pinned distribution(s) and ipykernel with uv")
    try:
        uv.install(
            target,
            requirements,
            exclude_newer=spec.as_of if spec.origin == "inferred" else None,
            only_binary=only_binary,
        )
        return
    except uv.UvError as exc:
        if "no usable wheels" not in exc.failure.message:
            raise
        sdist_only = {normalize_name(name) for name, _ in exc.failure.pins}
        if not sdist_only:
            raise
        checks = [availability(name, version, minor_of(local_python()) or "") for name, version in exc.failure.pins]
        if any(not check.ok for check in checks):
            raise
    allowed = [name for name in only_binary if normalize_name(name) not in sdist_only]
    uv.install(
        target, requirements, exclude_newer=spec.as_of if spec.origin == "inferred" else None, only_binary=allowed
    )


def _diagnose(spec: EnvSpec, failure: uv.UvFailure, python: str) -> list[Availability]:
    """Ask the index about the pins uv named (all pins when it named none of them)."""
    named = {normalize_name(name) for name, _ in failure.pins} | {normalize_name(n) for n in failure.not_found}
    pins = [pin for pin in spec.pins if pin.key in named and pin.version] or [p for p in spec.pins if p.version]
    minor = minor_of(python) or python
    with ThreadPoolExecutor(max_workers=8) as pool:
        verdicts = list(pool.map(lambda pin: availability(pin.name, str(pin.version), minor), pins))
    return [verdict for verdict in verdicts if not verdict.ok]


def _check_pins(env: RestoredEnv) -> None:
    """Every pin installed at exactly its version: the point of the restore."""
    installed = {}
    for line in env.installed:
        name, _, version = line.partition("==")
        installed[normalize_name(name)] = version.strip()
    wrong = [
        f"{pin.name} {installed.get(pin.key) or 'not installed'} (wanted {pin.version})"
        for pin in env.spec.pins
        if pin.version and installed.get(pin.key) != pin.version
    ]
    if wrong:
        raise EnvironmentRestoreError(f"the restored environment does not have the pinned versions: {'; '.join(wrong)}")


def _python_version(python: str) -> str | None:
    try:
        done = subprocess.run(
            [python, "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def _pip_freeze(target: str) -> list[str]:
    done = subprocess.run(
        [uv.venv_python(target), "-m", "pip", "freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return [line.strip() for line in done.stdout.splitlines() if "==" in line]


# ---------------------------------------------------------------- the stamp


def _read_stamp(directory: str) -> dict[str, Any] | None:
    try:
        with open(os.path.join(directory, STAMP), encoding="utf-8") as handle:
            stamp = json.load(handle)
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def _write_stamp(env: RestoredEnv) -> None:
    document = {
        "lock_hash": env.lock_hash,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "repro_nb": __version__,
        "origin": env.spec.origin,
        "notebook": env.spec.notebook,
        "python_version": env.python_version,
        "installer": env.installer,
        "pins": env.spec.requirements(),
        "extra": list(env.spec.extra),
        "installed": env.installed,
    }
    atomic_write_text(os.path.join(env.directory, STAMP), json.dumps(document, indent=1) + "\n")


@contextlib.contextmanager
def _locked(target: str) -> Iterator[None]:
    """One restore of a directory at a time (others wait, then find it built)."""
    os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
    with open(target.rstrip(os.sep) + ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------- the recorder


def _recorder_sources() -> list[Path]:
    """The files of repro-nb the recorder needs in a kernel: the package root, format, kernel."""
    package = Path(__file__).resolve().parents[2]
    files = [package / name for name in ("__init__.py", "_version.py", "errors.py")]
    for part in ("format", "kernel"):
        for path in sorted((package / part).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".json", ".so", ".pyd"):
                files.append(path)
    return files


def _fingerprint(files: list[Path], package: Path) -> str:
    digest = hashlib.sha256(__version__.encode())
    for path in files:
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _sync_recorder(env: RestoredEnv, say: Progress) -> None:
    """Copy repro-nb's recorder (not the checker: it would drag its dependencies in) into the
    environment's site-packages, with a ``dist-info`` so it is a distribution like any other.

    Only when repro-nb changed since: the copy carries a fingerprint of the files.
    """
    package = Path(__file__).resolve().parents[2]
    files = _recorder_sources()
    fingerprint = _fingerprint(files, package)
    site = _site_packages(env.directory)
    destination = Path(site, "repro_nb")
    marker = destination / ".recorder-fingerprint"
    with contextlib.suppress(OSError):
        if marker.read_text(encoding="utf-8") == fingerprint:
            return
    staging = Path(site, f".repro_nb-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    for path in files:
        copy = staging / path.relative_to(package)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy)
    (staging / ".recorder-fingerprint").write_text(fingerprint, encoding="utf-8")
    shutil.rmtree(destination, ignore_errors=True)
    os.replace(staging, destination)
    dist_info = Path(site, f"repro_nb-{__version__}.dist-info")
    for stale in Path(site).glob("repro_nb-*.dist-info"):
        shutil.rmtree(stale, ignore_errors=True)
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: repro-nb\nVersion: {__version__}\n"
        "Summary: repro-nb's recorder only, put here by repro-nb env restore\n",
        encoding="utf-8",
    )
    (dist_info / "INSTALLER").write_text("repro-nb\n", encoding="utf-8")
    (dist_info / "top_level.txt").write_text("repro_nb\n", encoding="utf-8")
    env.steps.append(f"put repro-nb's recorder ({__version__}) into the environment")
    say(env.steps[-1])


def _site_packages(directory: str) -> str:
    if os.name == "nt":
        return os.path.join(directory, "Lib", "site-packages")
    candidates = sorted(Path(directory, "lib").glob("python3*/site-packages"))
    if not candidates:
        raise EnvironmentRestoreError(f"{directory} has no site-packages directory: not a virtual environment?")
    return str(candidates[-1])


# ---------------------------------------------------------------- the kernel


def kernel_name_for(notebook: str | None, lock_hash: str) -> str:
    """``repro-<notebook stem>-<8 of the lock hash>``: named after the notebook, one per environment."""
    stem = os.path.splitext(os.path.basename(notebook))[0] if notebook else "notebook"
    slug = re.sub(r"[^a-z0-9._-]+", "-", stem.lower()).strip("-._")[:40] or "notebook"
    return f"repro-{slug}-{lock_hash[:8]}"


def write_kernelspec(env: RestoredEnv) -> str:
    """A kernelspec for the environment inside it (``share/jupyter/kernels``); its name."""
    name = kernel_name_for(env.spec.notebook, env.lock_hash)
    stem = os.path.splitext(os.path.basename(env.spec.notebook))[0] if env.spec.notebook else "notebook"
    spec = {
        "argv": [env.python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"{stem} ({env.spec.origin} environment, Python {env.python_version})",
        "language": "python",
        "metadata": {
            "repro_nb": {"lock_hash": env.lock_hash, "notebook": env.spec.notebook, "origin": env.spec.origin}
        },
    }
    kernel_dir = os.path.join(env.jupyter_path, "kernels", name)
    os.makedirs(kernel_dir, exist_ok=True)
    atomic_write_text(os.path.join(kernel_dir, "kernel.json"), json.dumps(spec, indent=1) + "\n")
    return name


def register_kernel(env: RestoredEnv) -> str:
    """Make the kernel visible to Jupyter (JupyterLab's launcher) in the user's data directory."""
    from jupyter_core.paths import jupyter_data_dir

    source = os.path.join(env.jupyter_path, "kernels", env.kernel_name)
    destination = os.path.join(jupyter_data_dir(), "kernels", env.kernel_name)
    os.makedirs(destination, exist_ok=True)
    shutil.copyfile(os.path.join(source, "kernel.json"), os.path.join(destination, "kernel.json"))
    return destination


@contextlib.contextmanager
def kernel_visible(env: RestoredEnv) -> Iterator[str]:
    """Within: the environment's kernelspec is found by name (``JUPYTER_PATH``); yields the name."""
    before = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (env.jupyter_path, before) if p)
    try:
        yield env.kernel_name
    finally:
        if before is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = before


def adopt(directory: str, spec: EnvSpec, on_step: Progress | None = None) -> RestoredEnv:
    """``--env DIR``: an environment restored before (or any venv with ipykernel), as a kernel."""
    say = on_step or (lambda _text: None)
    target = os.path.abspath(directory)
    python = uv.venv_python(target)
    if not os.path.exists(python):
        raise EnvironmentRestoreError(f"{directory} is not a virtual environment (no {python})")
    stamp = _read_stamp(target) or {}
    check = subprocess.run([python, "-c", "import ipykernel"], capture_output=True, timeout=120, check=False)
    if check.returncode != 0:
        raise EnvironmentRestoreError(
            f"{directory} has no ipykernel: restore it with `repro-nb env restore NOTEBOOK {directory}`"
        )
    lock_hash = str(stamp.get("lock_hash") or hashlib.sha256(target.encode()).hexdigest()[:16])
    env = RestoredEnv(
        target,
        python,
        _python_version(python) or "",
        "",
        lock_hash,
        replace(spec, pins=spec.pins),
        cached=True,
        duration_s=0.0,
        installer=stamp.get("installer", "uv"),
        installed=list(stamp.get("installed", [])),
        steps=[f"using the environment {target}"],
    )
    _sync_recorder(env, say)
    env.kernel_name = write_kernelspec(env)
    return env
