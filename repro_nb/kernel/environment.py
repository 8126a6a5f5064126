"""What the machine and interpreter looked like while a notebook ran.

A result can change although neither code nor data did: a new Python minor release
changes ``hash()`` randomisation or ``math`` corner cases, NumPy switches from OpenBLAS to
MKL and sums in a different order, ``OMP_NUM_THREADS`` changes how a reduction is split.
This module collects the facts needed to *explain* such drift later
(:func:`collect_environment`); :mod:`repro_nb.check.environment_diff` lists the differences
between two recorded environments.

Rules the collector follows, and why:

* **Privacy first.** The record travels inside the notebook, into git and into papers'
  supplementary material. So no filesystem path is recorded (they contain user names),
  and no environment variable value is recorded unless its name is in
  :data:`repro_nb.format.record.ALLOWED_ENV_VARS`.
* **Never raise.** The recorder runs inside the user's kernel; a failure to read
  ``/proc/cpuinfo`` must not break their cell. Each part is collected on its own and a
  part that fails is simply absent — absent therefore means *unknown*, which is why
  the comparison does not report absent fields as differences.
* **Be cheap and have no side effects.** It runs inside the user's kernel (the
  recorder takes the thread-count variables at load and the rest when the record is
  first read). Heavy frameworks (torch, tensorflow) are never imported here, NumPy is
  never imported here, and slow facts that cannot change during a session (CPU model,
  ``nvidia-smi``) are cached for the life of the process.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from ..format.record import ALLOWED_ENV_VARS

__all__ = [
    "collect_blas",
    "collect_env_vars",
    "collect_environment",
]

#: Longest environment variable value recorded; a thread count is a few characters, so
#: anything longer is not what we expect and is cut rather than copied wholesale.
_MAX_ENV_VALUE_LENGTH = 64

#: ``nvidia-smi`` can hang for seconds when the driver is in a bad state; the recorder
#: must not stall the kernel start for that long.
_NVIDIA_SMI_TIMEOUT_S = 2.0

_T = TypeVar("_T")


def _safely(collect: Callable[[], _T]) -> _T | None:
    """Run one collector; a failure yields ``None`` so the part is left out.

    Only :class:`Exception` is caught: a ``KeyboardInterrupt`` must still stop the cell.
    """
    try:
        return collect()
    except Exception:  # noqa: BLE001 - by design: a failed part is left out, never raised
        return None


# --------------------------------------------------------------------------- python


def _collect_python() -> dict[str, Any]:
    """Interpreter facts. ``sys.executable`` is left out: it is a path, often in $HOME."""
    return {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "compiler": platform.python_compiler(),
        "in_virtualenv": sys.prefix != sys.base_prefix,
        # A free-threaded (no-GIL) build changes the outcome of racy code.
        "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    }


# ------------------------------------------------------------------------- platform


def _collect_platform() -> dict[str, Any]:
    """Operating system facts; libm and libc versions change floating-point corner cases."""
    info: dict[str, Any] = {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
    }
    libc_name, libc_version = platform.libc_ver()
    if libc_name:
        info["libc"] = f"{libc_name} {libc_version}".strip()
    os_name = _os_pretty_name()
    if os_name:
        info["os"] = os_name
    return info


@functools.cache
def _os_pretty_name() -> str | None:
    """E.g. "Debian GNU/Linux 12 (bookworm)" or "macOS 14.4"; cached, it cannot change."""
    system = platform.system()
    if system == "Linux":
        try:
            return platform.freedesktop_os_release().get("PRETTY_NAME")
        except OSError:
            return None
    if system == "Darwin":
        release = platform.mac_ver()[0]
        return f"macOS {release}" if release else None
    if system == "Windows":
        return f"Windows {platform.win32_ver()[0]}".strip()
    return None


# ------------------------------------------------------------------------------ cpu


def _collect_cpu() -> dict[str, Any]:
    """CPU model and how many cores this process may use.

    ``affinity`` is recorded next to ``count`` because containers and batch schedulers
    restrict a process to fewer cores than the machine has, and BLAS sizes its thread
    pool from the affinity mask.
    """
    info: dict[str, Any] = {}
    model = _cpu_model()
    if model:
        info["model"] = model
    count = os.cpu_count()
    if count is not None:
        info["count"] = count
    if hasattr(os, "sched_getaffinity"):
        info["affinity"] = len(os.sched_getaffinity(0))
    return info


@functools.cache
def _cpu_model() -> str | None:
    """The CPU's marketing name; parsed once per process, since it cannot change.

    On Linux ``platform.processor()`` runs ``uname -p`` in a subprocess and usually
    answers "x86_64" or "unknown", so ``/proc/cpuinfo`` is read instead. Elsewhere
    ``platform.processor()`` is the best cheap answer there is.
    """
    if sys.platform.startswith("linux"):
        model = _cpu_model_from_proc()
        if model:
            return model
        return None
    return platform.processor() or None


def _cpu_model_from_proc() -> str | None:
    """First processor's model line; the key differs between x86, ARM, POWER and MIPS."""
    keys = ("model name", "cpu model", "hardware", "model", "cpu")
    found: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if not line.strip():
                    if found:
                        break  # end of the first processor's block
                    continue
                name, sep, value = line.partition(":")
                key = name.strip().lower()
                if sep and key in keys and value.strip() and key not in found:
                    found[key] = value.strip()
    except OSError:
        return None
    for key in keys:
        # On ARM "model" is a bare number; prefer any of the descriptive keys before it.
        if key in found and not (key == "model" and found[key].isdigit()):
            return found[key]
    return None


# ----------------------------------------------------------------------------- gpus


def _collect_gpus() -> list[dict[str, Any]]:
    """GPUs from ``nvidia-smi``, else from torch if the session already set CUDA up."""
    gpus = list(_nvidia_smi_gpus())
    if not gpus:
        gpus = _torch_gpus()
    return [dict(gpu) for gpu in gpus]  # copies, so callers cannot edit the cache


@functools.cache
def _nvidia_smi_gpus() -> tuple[dict[str, Any], ...]:
    """Ask ``nvidia-smi`` once per process: it takes 50 ms to seconds, GPUs do not change."""
    executable = shutil.which("nvidia-smi")
    if executable is None:
        return ()
    try:
        completed = subprocess.run(
            [
                executable,
                "--query-gpu=name,driver_version,memory.total",
                "--format=csv,noheader,nounits",
            ],
            capture_output=True,
            text=True,
            timeout=_NVIDIA_SMI_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    if completed.returncode != 0:
        return ()
    return tuple(_parse_nvidia_smi(completed.stdout))


def _parse_nvidia_smi(output: str) -> Iterator[dict[str, Any]]:
    """Parse ``name, driver, memory`` CSV lines; a GPU name may itself contain commas."""
    for line in output.splitlines():
        parts = [part.strip() for part in line.rsplit(",", 2)]
        if len(parts) != 3 or not parts[0]:
            continue
        name, driver, memory = parts
        gpu: dict[str, Any] = {"name": name, "driver": driver}
        if memory.isdigit():
            gpu["memory_mib"] = int(memory)
        yield gpu


def _torch_gpus() -> list[dict[str, Any]]:
    """CUDA devices as torch sees them, only when that costs nothing and changes nothing.

    torch is never imported here (seconds, and it changes the session), and it is only
    asked when CUDA is already initialised: querying device properties initialises CUDA,
    after which ``fork``-based multiprocessing in the user's notebook breaks.
    """
    torch = sys.modules.get("torch")
    cuda = getattr(torch, "cuda", None)
    if cuda is None or not cuda.is_initialized():
        return []
    cuda_version = getattr(getattr(torch, "version", None), "cuda", None)
    gpus: list[dict[str, Any]] = []
    for index in range(cuda.device_count()):
        properties = cuda.get_device_properties(index)
        gpu: dict[str, Any] = {
            "name": str(properties.name),
            "memory_mib": int(properties.total_memory) // (1024 * 1024),
            "source": "torch",
        }
        if cuda_version:
            gpu["cuda"] = str(cuda_version)
        gpus.append(gpu)
    return gpus


# ----------------------------------------------------------------------------- blas

#: threadpoolctl fields worth recording. ``filepath`` is left out (it is an absolute
#: path, often inside $HOME); its base name is kept as ``filename`` instead.
_THREADPOOL_FIELDS = (
    "internal_api",
    "prefix",
    "version",
    "num_threads",
    "threading_layer",
    "architecture",
)


def collect_blas() -> list[dict[str, Any]]:
    """The BLAS libraries loaded in this process, without any path.

    Kept separate from :func:`collect_environment` because BLAS is only known once NumPy
    is loaded, which is usually after the recorder starts: the recorder calls this again
    when ``numpy`` first appears in ``sys.modules``. It never imports NumPy itself.

    threadpoolctl is preferred because it reports what is *loaded* and how many threads
    it runs, not what NumPy was built against. Only ``user_api == "blas"`` entries are
    kept: OpenMP runtimes appear or not depending on which packages happen to be
    imported (scikit-learn brings libgomp), which would show up as false drift. Without
    threadpoolctl, NumPy's build configuration is used (NumPy >= 1.25). Entries are
    sorted so that two records of the same setup compare equal. Returns ``[]`` when
    nothing can be found, and never raises.
    """
    entries = _safely(_blas_from_threadpoolctl)
    if entries is None:
        entries = _safely(_blas_from_numpy_config) or []
    return sorted(entries, key=lambda entry: json.dumps(entry, sort_keys=True, default=str))


def _blas_from_threadpoolctl() -> list[dict[str, Any]] | None:
    """``None`` when threadpoolctl is not installed, so the NumPy fallback is tried."""
    try:
        import threadpoolctl
    except ImportError:
        return None
    entries: list[dict[str, Any]] = []
    for library in threadpoolctl.threadpool_info():
        if library.get("user_api") != "blas":
            continue
        entry = {field: library[field] for field in _THREADPOOL_FIELDS if library.get(field) is not None}
        filepath = library.get("filepath")
        if filepath:
            entry["filename"] = os.path.basename(str(filepath))
        entries.append(entry)
    return entries


def _blas_from_numpy_config() -> list[dict[str, Any]]:
    """NumPy's build-time BLAS/LAPACK, minus the directories it also reports."""
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return []
    config = numpy.show_config(mode="dicts")
    dependencies = config.get("Build Dependencies", {}) if isinstance(config, dict) else {}
    entries: list[dict[str, Any]] = []
    for user_api in ("blas", "lapack"):
        build = dependencies.get(user_api)
        if not isinstance(build, dict) or not build.get("found", True):
            continue
        name = str(build.get("name", ""))
        entry: dict[str, Any] = {
            "user_api": user_api,
            "internal_api": _blas_family(name),
            "name": name,
            "source": "numpy-build",
        }
        if build.get("version"):
            entry["version"] = str(build["version"])
        entries.append(entry)
    return entries


def _blas_family(name: str) -> str:
    """Map a build name ("scipy-openblas", "mkl-sdl") to threadpoolctl's internal_api."""
    lowered = name.lower()
    for family in ("openblas", "mkl", "blis", "accelerate", "flexiblas"):
        if family in lowered:
            return family
    return lowered


# ------------------------------------------------------------------------------ env


def collect_env_vars() -> dict[str, str]:
    """Values of the allowed variables that are set; nothing else is even looked at.

    The recorder takes them when it starts (a thread count matters when a library
    initialises, so a later change in the session does not describe the run).
    """
    env: dict[str, str] = {}
    for name in sorted(ALLOWED_ENV_VARS):
        value = os.environ.get(name)
        if value is not None:
            env[name] = value[:_MAX_ENV_VALUE_LENGTH]
    return env


# -------------------------------------------------------------------------- collect


def collect_environment() -> dict[str, Any]:
    """Describe this interpreter, machine, GPUs, BLAS and reproducibility variables.

    Returns a JSON-able dict matching the record schema's ``environment`` definition,
    with the sections ``python``, ``platform``, ``cpu``, ``gpus``, ``env`` and — only
    when NumPy is already imported — ``blas`` (see :func:`collect_blas`). A section
    whose collection failed is absent. Typically a few milliseconds after the first
    call (the first call parses ``/proc/cpuinfo`` and may run ``nvidia-smi``).
    """
    environment: dict[str, Any] = {}
    parts: list[tuple[str, Callable[[], Any]]] = [
        ("python", _collect_python),
        ("platform", _collect_platform),
        ("cpu", _collect_cpu),
        ("gpus", _collect_gpus),
    ]
    if "numpy" in sys.modules:
        parts.append(("blas", collect_blas))
    parts.append(("env", collect_env_vars))
    for section, collect in parts:
        value = _safely(collect)
        if value is not None:
            environment[section] = value
    return environment
