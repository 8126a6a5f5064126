"""A module beside the notebook that shadows one repro-nb or the standard library needs (issue 15).

The kernel runs in the notebook's folder, which is first on its ``sys.path``: a stray
``repro_nb.py`` or ``blake3.py`` there used to replace the recorder (or its hashing)
during a check, without a word. The checker now loads the recorder from where it is
installed, and the kernel warns — on stderr at ``%load_ext`` and in the record — about
every file there named like a module repro-nb or the standard library needs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support import KernelFactory, write_notebook

REPRO_NB = str(Path(sys.executable).with_name("repro-nb"))


def plant(folder: Path, name: str) -> Path:
    """``name``.py that leaves a marker when something imports it."""
    path = folder / f"{name}.py"
    path.write_text(f"open({str(folder / (name + '.imported'))!r}, 'w').close()\n")
    return path


def test_a_stray_module_beside_the_notebook_does_not_replace_the_recorder_in_a_check(tmp_path: Path) -> None:
    folder = tmp_path / "study"
    folder.mkdir()
    for name in ("repro_nb", "blake3", "wave"):
        plant(folder, name)
    (folder / "values.txt").write_text("42\n")
    path = write_notebook(folder / "study.ipynb", [("read", "print(open('values.txt').read().strip())")])
    output = folder / "out.ipynb"
    done = subprocess.run([REPRO_NB, "run", str(path), "-o", str(output)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (folder / "repro_nb.imported").exists(), "the stray repro_nb.py ran instead of the recorder"
    assert not (folder / "blake3.imported").exists(), "the stray blake3.py ran inside the recorder's hashing"
    nb = json.loads(output.read_text())
    [read] = nb["cells"][0]["metadata"]["repro_nb"]["reads"]
    assert read["path"] == "values.txt" and read["hash"].startswith("blake3:") and read["status"] == "ok"
    for name in ("repro_nb.py", "blake3.py", "wave.py"):
        assert f"repro-nb: warning: {name} in the notebook's folder" in done.stderr, done.stderr
    shadowed = [w for w in nb["metadata"]["repro_nb"]["warnings"] if w["kind"] == "shadowed-module"]
    assert sorted(w["path"] for w in shadowed) == ["blake3.py", "repro_nb.py", "wave.py"]
    assert "standard-library module wave" in next(w["message"] for w in shadowed if w["path"] == "wave.py")


def test_load_ext_warns_about_a_module_that_shadows_the_standard_library(kernel_factory: KernelFactory) -> None:
    session = kernel_factory(load_ext=False)
    plant(session.cwd, "wave")
    (session.cwd / "helpers.py").write_text("VALUE = 1\n")  # an ordinary local module: no warning
    loaded = session.run("%load_ext repro_nb")
    assert "wave.py in the notebook's folder shadows the standard-library module wave" in loaded.stderr
    assert "helpers" not in loaded.stderr
    warnings = session.record()["notebook"]["warnings"]
    assert [w["path"] for w in warnings if w["kind"] == "shadowed-module"] == ["wave.py"]
