"""Seeds set and randomness used without a seed.

Two mechanisms, because neither alone is enough:

* **Seeding calls are wrapped** (``random.seed``, ``numpy.random.seed``,
  ``numpy.random.default_rng``, PyTorch, TensorFlow, JAX), so the value is known. The
  wrappers are installed when the library is first seen in ``sys.modules`` and removed on
  unload; the original function is always called, with the same arguments, and its result
  returned unchanged.
* **Global RNG states are fingerprinted** before and after each cell. A state that moved
  in a cell while its library was never seeded in this session is randomness without a
  seed. Fingerprinting reads state only (its memory, or ``getstate``); it never draws
  numbers.

Nothing here imports a library that is not already imported: the recorder must not
change what the session has loaded.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import numbers
import random
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from .locations import as_prefixes, library_dirs
from .patches import Patches
from .postimport import PostImportHook

if TYPE_CHECKING:
    from ..format.record_types import SeedEventRecord, UnseededRngRecord

#: Seeds above this are stored as strings: JavaScript (the lab panel) cannot hold them.
_JS_SAFE = 2**53


def seed_value(value: Any) -> int | str | None:
    """A seed as the record stores it (see the schema's ``seed_value``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value if abs(value) < _JS_SAFE else str(value)
    entropy = getattr(value, "entropy", None)  # numpy SeedSequence
    if entropy is not None:
        return seed_value(entropy)
    if isinstance(value, numbers.Integral):
        with contextlib.suppress(TypeError, ValueError, OverflowError):
            return seed_value(int(value))
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


class SeedEvent(NamedTuple):
    library: str
    api: str
    value: int | str | None

    def to_json(self) -> SeedEventRecord:
        return {"library": self.library, "api": self.api, "value": self.value}


class UnseededGenerator(NamedTuple):
    """A generator built without a seed; ``entropy`` lets a later run replay it."""

    library: str
    api: str
    entropy: str | None

    def to_json(self) -> UnseededRngRecord:
        out: UnseededRngRecord = {"library": self.library, "kind": "generator-without-seed", "api": self.api}
        if self.entropy is not None:
            out["entropy"] = self.entropy
        return out


SeedSink = Callable[[SeedEvent | UnseededGenerator], None]

#: The module whose import brings each library's global RNG into being, watched by the
#: post-import hook. For NumPy that is ``numpy.random``, not ``numpy``: NumPy ≥ 2 imports
#: it lazily, on first use of ``np.random``, so at the end of ``import numpy`` there is
#: neither a global RNG to fingerprint or seed nor a ``default_rng`` to wrap.
_RNG_MODULES = {"numpy.random": "numpy", "torch": "torch", "tensorflow": "tensorflow"}


class SeedTracker:
    """Wraps seeding functions and fingerprints global RNG states.

    ``sink`` receives every seeding call and every unseeded generator, in order.
    """

    def __init__(self, sink: SeedSink) -> None:
        self._sink = sink
        #: a seed %repro_seed promised to every RNG, applied to libraries imported later
        self.pending_seed: int | None = None
        #: fingerprints taken the moment a library finished importing (see postimport)
        self.import_fingerprints: dict[str, int] = {}
        self._hook = PostImportHook(tuple(_RNG_MODULES), self._on_import)
        self._hook.names.difference_update(sys.modules)
        self._hook.install()
        # (module object, attribute name) -> original callable
        self._patches = Patches()
        self._wrapped_libraries: set[str] = set()
        self.seeded: set[str] = set()
        self._seeding_now = False
        self._numpy = _NumpyFingerprint()

    def watch_imports(self, names: tuple[str, ...], callback: Callable[[str, Any], None]) -> list[str]:
        """Another part of the recorder's post-import callback (one finder for all: see postimport)."""
        return self._hook.watch(names, callback)

    # -- wrapping -----------------------------------------------------------------

    def install(self) -> None:
        """Wrap the seeding APIs of every supported library imported so far.

        Cheap when nothing new was imported: called after every cell.
        """
        modules = sys.modules
        if "random" not in self._wrapped_libraries:
            self._wrap(random, "seed", "random", "random.seed")
            self._wrapped_libraries.add("random")
        if "numpy" not in self._wrapped_libraries and "numpy.random" in modules:
            nprandom = modules["numpy.random"]
            self._wrap(nprandom, "seed", "numpy", "numpy.random.seed")
            self._wrap_default_rng(nprandom)
            self._wrapped_libraries.add("numpy")
        if "torch" not in self._wrapped_libraries and "torch" in modules and hasattr(modules["torch"], "manual_seed"):
            torch = modules["torch"]
            self._wrap(torch, "manual_seed", "torch", "torch.manual_seed")
            if hasattr(torch, "random"):
                self._wrap(torch.random, "manual_seed", "torch", "torch.random.manual_seed")
            cuda = getattr(torch, "cuda", None)
            if cuda is not None:
                self._wrap(cuda, "manual_seed", "torch.cuda", "torch.cuda.manual_seed")
                self._wrap(cuda, "manual_seed_all", "torch.cuda", "torch.cuda.manual_seed_all")
            self._wrapped_libraries.add("torch")
        if "tensorflow" not in self._wrapped_libraries and "tensorflow" in modules:
            tf = modules["tensorflow"]
            tf_random = getattr(tf, "random", None)
            if tf_random is not None and hasattr(tf_random, "set_seed"):
                self._wrap(tf_random, "set_seed", "tensorflow", "tensorflow.random.set_seed")
            keras_utils = getattr(getattr(tf, "keras", None), "utils", None)
            if keras_utils is not None and hasattr(keras_utils, "set_random_seed"):
                self._wrap(keras_utils, "set_random_seed", "tensorflow", "tf.keras.utils.set_random_seed")
            self._wrapped_libraries.add("tensorflow")
        if "jax" not in self._wrapped_libraries and "jax.random" in modules:
            jr = modules["jax.random"]
            for name in ("PRNGKey", "key"):
                if hasattr(jr, name):
                    self._wrap(jr, name, "jax", f"jax.random.{name}")
            self._wrapped_libraries.add("jax")

    def seed_all(self, seed: int) -> list[str]:
        """``%repro_seed``: seed every RNG present now and each one imported later; record it.

        NumPy imported but its ``numpy.random`` not yet loaded (NumPy ≥ 2 loads it on first
        use) counts as present: the user who typed ``import numpy`` expects it seeded now.
        """
        self.pending_seed = seed
        self._seeding_now = True  # the import below must not make the hook seed (and record) twice
        try:
            if "numpy" in sys.modules and "numpy.random" not in sys.modules:
                importlib.import_module("numpy.random")
            libraries = seed_everything(seed)
        finally:
            self._seeding_now = False
        for library in libraries:
            self.record_seeding(library, "%repro_seed", seed)
        return libraries

    def _on_import(self, name: str, module: Any) -> None:
        library = _RNG_MODULES.get(name, name)
        self.install()
        if self.pending_seed is not None and not self._seeding_now:
            for seeded in seed_everything(self.pending_seed, only=(library,)):
                self.record_seeding(seeded, "%repro_seed", self.pending_seed)
        fingerprint = self.fingerprints().get(library)
        if fingerprint is not None:
            self.import_fingerprints[library] = fingerprint

    def uninstall(self) -> None:
        """Put every original function back (only where our wrapper is still in place)."""
        self._hook.uninstall()
        self._patches.restore()
        self._wrapped_libraries.clear()

    def _wrap(self, module: Any, attr: str, library: str, api: str) -> None:
        original = getattr(module, attr, None)
        if original is None or getattr(original, "__repro_nb_wrapped__", None) is not None:
            return
        sink = self._sink
        tracker = self

        def seeding(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            value = args[0] if args else next(iter(kwargs.values()), None)
            tracker.seeded.add(library)
            sink(SeedEvent(library, api, seed_value(value)))
            return result

        _copy_identity(seeding, original)
        seeding.__repro_nb_wrapped__ = original  # type: ignore[attr-defined]
        self._patches.replace(module, attr, seeding)

    def _wrap_default_rng(self, nprandom: Any) -> None:
        original = getattr(nprandom, "default_rng", None)
        if original is None or getattr(original, "__repro_nb_wrapped__", None) is not None:
            return
        sink = self._sink

        def default_rng(*args: Any, **kwargs: Any) -> Any:
            generator = original(*args, **kwargs)
            seed = args[0] if args else kwargs.get("seed")
            if _from_library_import_or_seeded(seed):
                # scipy seeds generators for its docstrings while it is imported, and
                # libraries pass seeded generators around: the notebook did not do that.
                return generator
            if seed is None:
                seed_seq = getattr(generator.bit_generator, "seed_seq", None)
                entropy = getattr(seed_seq, "entropy", None)
                sink(UnseededGenerator("numpy", "numpy.random.default_rng", None if entropy is None else str(entropy)))
            elif not _is_generator_like(seed):
                sink(SeedEvent("numpy.Generator", "numpy.random.default_rng", seed_value(seed)))
            return generator

        _copy_identity(default_rng, original)
        default_rng.__repro_nb_wrapped__ = original  # type: ignore[attr-defined]
        self._patches.replace(nprandom, "default_rng", default_rng)

    def record_seeding(self, library: str, api: str, value: Any) -> None:
        """Record a seeding that did not go through a wrapper (``%repro_seed``)."""
        self.seeded.add(library)
        self._sink(SeedEvent(library, api, seed_value(value)))

    # -- fingerprints -------------------------------------------------------------

    def fingerprints(self) -> dict[str, int]:
        """A cheap fingerprint of every global RNG state present (≈ 1 µs each).

        Called twice around every cell: kept to a few lookups and reads of memory.
        """
        prints: dict[str, int] = {"random": _random_fingerprint()}
        modules = sys.modules
        mtrand = modules.get("numpy.random.mtrand")
        if mtrand is not None:
            try:
                prints["numpy"] = self._numpy.fingerprint(mtrand._rand._bit_generator)
            except Exception:  # noqa: BLE001, S110 - an exotic numpy must not break a cell
                pass
        torch = modules.get("torch")
        if torch is not None:
            try:
                prints["torch"] = hash(bytes(torch.random.default_generator.get_state().numpy().tobytes()))
            except Exception:  # noqa: BLE001, S110
                pass
        return prints

    def unseeded_advanced(self, before: dict[str, int], after: dict[str, int]) -> list[str]:
        """Libraries whose global state moved while never seeded in this session."""
        moved = []
        for lib, fp in after.items():
            if lib in self.seeded:
                continue
            reference = before.get(lib, self.import_fingerprints.get(lib))
            if reference is not None and reference != fp:
                moved.append(lib)
        return moved


@functools.cache
def _library_prefixes() -> tuple[str, ...]:
    """Where installed code lives, plus frozen stdlib modules' pseudo file names."""
    return (*as_prefixes(library_dirs()), "<frozen ")


def _from_library_import_or_seeded(seed: Any) -> bool:
    """Whether a ``default_rng`` call is library business rather than the notebook's.

    A seeded generator built inside an installed package is deterministic and not the
    notebook's choice; an unseeded one built by a library while it is being imported
    does not feed the notebook's results. Both are left out. An unseeded generator a
    library builds while the notebook calls it (``scipy.stats.bootstrap`` without
    ``rng``) is the notebook's randomness and is kept. Only called for ``default_rng``,
    which is rare enough for a look at the stack.
    """
    frame = sys._getframe(2)  # default_rng's caller
    if not frame.f_code.co_filename.startswith(_library_prefixes()):
        return False
    if seed is not None:
        return True
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


#: ``int index; uint32_t state[624];`` right after the object header in CPython's
#: ``_random.Random`` (Modules/_randommodule.c).
_RANDOM_STATE_BYTES = 4 + 624 * 4


def _in_place_reader(instance: random.Random) -> Callable[[], int] | None:
    """A reader of ``instance``'s Mersenne Twister state straight from its memory.

    ``getstate()`` builds a tuple of 625 ints (≈ 11 µs, twice per cell); reading the
    2.5 kB the C struct holds takes ≈ 1 µs. The layout is an implementation detail,
    so it is checked against ``getstate()`` on the instance itself, and on a second
    generator in another state, before it is trusted; anything unexpected (another
    interpreter, another layout) gives ``None`` and the caller uses ``getstate()``.
    """
    if sys.implementation.name != "cpython":
        return None
    try:
        import ctypes
        import struct

        header = object.__basicsize__  # refcount + type pointer
        layout = struct.Struct("=i624I")

        def view_of(generator: random.Random) -> Any:
            # A ctypes array over the struct, made once per generator: its ``raw`` copies
            # the bytes without the argument conversion of a call such as ``string_at``.
            return (ctypes.c_char * _RANDOM_STATE_BYTES).from_address(id(generator) + header)

        def matches(generator: random.Random, view: Any) -> bool:
            words = generator.getstate()[1]
            unpacked = layout.unpack(view.raw)
            return bool(unpacked[1:] == words[:624] and unpacked[0] == words[624])

        view = view_of(instance)
        probe = type(instance)(20240601)
        probe.random()
        if not (matches(instance, view) and matches(probe, view_of(probe))):
            return None
    except Exception:  # noqa: BLE001 - any surprise means: use the portable way
        return None
    # gauss() caches its second value outside the MT state
    return lambda: hash((view.raw, getattr(instance, "gauss_next", None)))


def _getstate_reader(instance: random.Random) -> Callable[[], int]:
    return lambda: hash(instance.getstate())


def _make_random_fingerprint() -> Callable[[], int]:
    # The module functions are bound methods of one hidden instance: read that one,
    # kept alive by this closure, whatever ``random._inst`` is later rebound to.
    instance = getattr(random.random, "__self__", None)
    if not isinstance(instance, random.Random):
        return lambda: hash(random.getstate())
    return _in_place_reader(instance) or _getstate_reader(instance)


#: Fingerprint of the ``random`` module's global generator (see :func:`_in_place_reader`).
_random_fingerprint = _make_random_fingerprint()


#: ``sizeof(mt19937_state)``: ``uint32_t key[624]; int pos;`` (numpy/random/src/mt19937)
_MT19937_STATE_BYTES = 624 * 4 + 4


class _NumpyFingerprint:
    """Fingerprints of NumPy's global bit generator, read in place.

    The ``state`` property builds a dict and copies the key array (≈60 µs, twice per
    cell); for the default MT19937 the state struct is read through its ctypes address
    instead (≈1 µs), with a view made once per generator object (``seed()`` keeps the
    object, ``set_bit_generator`` replaces it). Other bit generators use ``state``.
    """

    def __init__(self) -> None:
        self._generator: Any = None  # held, so that the memory the view reads stays alive
        self._view: Any = None

    def fingerprint(self, bit_generator: Any) -> int:
        if bit_generator is not self._generator:
            self._generator = bit_generator
            self._view = None
            if type(bit_generator).__name__ == "MT19937":
                import ctypes

                self._view = (ctypes.c_char * _MT19937_STATE_BYTES).from_address(bit_generator.ctypes.state_address)
        if self._view is not None:
            return hash(self._view.raw)
        return hash(repr(bit_generator.state))


def _is_generator_like(value: Any) -> bool:
    """``default_rng(existing_generator_or_bitgen)`` passes state along, it does not seed."""
    return hasattr(value, "bit_generator") or hasattr(value, "random_raw")


def _copy_identity(wrapper: Callable[..., Any], original: Any) -> None:
    for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
        try:
            setattr(wrapper, attr, getattr(original, attr))
        except (AttributeError, TypeError):
            pass
    wrapper.__wrapped__ = original  # type: ignore[attr-defined]


def seed_everything(seed: int, only: tuple[str, ...] | None = None) -> list[str]:
    """Seed every RNG present in the session; return the libraries seeded.

    Only libraries already imported are seeded: importing PyTorch to seed it would cost
    seconds and change the session. Callers record the seeds.
    """
    modules: Any = sys.modules if only is None else {k: v for k, v in sys.modules.items() if k in only}
    seeded = []
    if only is None:
        _unwrapped(random.seed)(seed)
        seeded.append("random")
    nprandom = sys.modules.get("numpy.random")
    if "numpy" in modules and nprandom is not None:
        # NumPy ≥ 2 imports numpy.random lazily; until it is imported there is no global
        # RNG to seed, and the post-import hook seeds it the moment it is.
        _unwrapped(nprandom.seed)(seed % 2**32)
        seeded.append("numpy")
    torch = modules.get("torch")
    if torch is not None:
        _unwrapped(torch.manual_seed)(seed)
        seeded.append("torch")
        cuda = getattr(torch, "cuda", None)
        if cuda is not None and cuda.is_available():
            _unwrapped(cuda.manual_seed_all)(seed)
            seeded.append("torch.cuda")
    tf = modules.get("tensorflow")
    if tf is not None and hasattr(tf, "random"):
        _unwrapped(tf.random.set_seed)(seed)
        seeded.append("tensorflow")
    if "jax" in modules:
        # JAX has no global state: a seed only exists as a key the code passes along.
        # Recording it still tells a reader which seed the session meant.
        seeded.append("jax")
    return seeded


def _unwrapped(function: Callable[..., Any]) -> Callable[..., Any]:
    """The original of one of our wrappers, so that ``%repro_seed`` records once."""
    original: Callable[..., Any] = getattr(function, "__repro_nb_wrapped__", None) or function
    return original
