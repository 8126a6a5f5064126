"""Write the test notebooks in ``tests/files/``: the one fixture set of the test suite.

Each notebook is named by the behaviour it plants; tests get fresh copies through the
``notebook_copy`` fixture (``tests/conftest.py``). Stored outputs are written by hand
here — what an earlier run *would* have saved — so that a re-run in a fresh kernel
differs from them exactly where the test says: by volatile noise only (must
reproduce), or by a planted cause (must drift or fail). Notebooks that need a real
record (``recorded_*``) are stored without outputs; the tests record them first.

Re-run this script only to change a notebook on purpose (output is deterministic):

    .venv/bin/python tests/files/make_notebooks.py
"""

from __future__ import annotations

import base64
import functools
import io
import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
LANGUAGE_INFO = {"name": "python"}


# --------------------------------------------------------------------------- builders


def code(
    cell_id: str | None,
    source: str,
    outputs: list[dict[str, Any]] | None = None,
    count: int | None = None,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "cell_type": "code",
        "execution_count": count,
        "metadata": {"tags": tags} if tags else {},
        "outputs": outputs or [],
        "source": source,
    }
    if cell_id is not None:
        cell["id"] = cell_id
    return cell


def markdown(cell_id: str | None, source: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": "markdown", "metadata": {}, "source": source}
    if cell_id is not None:
        cell["id"] = cell_id
    return cell


def stream(text: str, name: str = "stdout") -> dict[str, Any]:
    return {"output_type": "stream", "name": name, "text": text}


def result(count: int, data: dict[str, Any]) -> dict[str, Any]:
    return {"output_type": "execute_result", "execution_count": count, "data": data, "metadata": {}}


def display(data: dict[str, Any]) -> dict[str, Any]:
    return {"output_type": "display_data", "data": data, "metadata": {}}


def error(ename: str, evalue: str) -> dict[str, Any]:
    """An error output as IPython stores it (coloured traceback, the line that raised)."""
    return {
        "output_type": "error",
        "ename": ename,
        "evalue": evalue,
        "traceback": [
            "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
            f"\x1b[0;31m{ename}\x1b[0m                 Traceback (most recent call last)",
            f"\x1b[0;31m{ename}\x1b[0m: {evalue}",
        ],
    }


def notebook(cells: list[dict[str, Any]], minor: int = 5, kernel: dict[str, str] | None = None) -> dict[str, Any]:
    if minor < 5:
        for cell in cells:
            cell.pop("id", None)
    return {
        "cells": cells,
        "metadata": {"kernelspec": kernel or KERNELSPEC, "language_info": LANGUAGE_INFO},
        "nbformat": 4,
        "nbformat_minor": minor,
    }


def ulp_above(value: float) -> float:
    """The next float after ``value``: what another BLAS or compiler might print."""
    (bits,) = struct.unpack("<q", struct.pack("<d", value))
    (above,) = struct.unpack("<d", struct.pack("<q", bits + 1))
    return float(above)


# --------------------------------------------------------------------------- images


PNG_SOURCE = """\
import io
from PIL import Image
from IPython.display import Image as Show

img = Image.new("RGB", (40, 30))
for x in range(40):
    for y in range(30):
        img.putpixel((x, y), (x * 6, y * 8, 128))
buf = io.BytesIO()
img.save(buf, format="PNG", compress_level=9)
Show(buf.getvalue())"""


def gradient_png(compress_level: int, text_chunk: str | None = None) -> str:
    """The image PNG_SOURCE draws, encoded differently (same pixels, other bytes)."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    img = Image.new("RGB", (40, 30))
    for x in range(40):
        for y in range(30):
            img.putpixel((x, y), (x * 6, y * 8, 128))
    info = PngInfo()
    if text_chunk:
        info.add_text("Software", text_chunk)
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=compress_level, pnginfo=info)
    return base64.b64encode(buf.getvalue()).decode()


# --------------------------------------------------------------------------- notebooks


def noise_and_skips_reproduce() -> dict[str, Any]:
    """Every kind of volatile output the default masks hide, plus the skip marks.

    The stored outputs are what another run printed: other times, addresses, timings,
    progress redraws, temp names, last-digit float noise, another PNG encoder. A
    re-run must reproduce every cell.
    """
    tqdm_stored = (
        "\r  0%|          | 0/4 [00:00<?, ?it/s]"
        "\r 50%|█████     | 2/4 [00:00<00:00, 19.61it/s]"
        "\r100%|██████████| 4/4 [00:00<00:00, 19.43it/s]"
        "\r100%|██████████| 4/4 [00:00<00:00, 19.42it/s]\n"
    )
    third = 0.1 + 0.2
    return notebook(
        [
            markdown("intro", "Volatile output that must not count as drift, and cells whose output is skipped."),
            code(
                "timestamp",
                "import datetime, time\nprint('started at', datetime.datetime.now().isoformat(sep=' '))\n"
                "print('ctime', time.ctime())",
                [stream("started at 2019-03-04 05:06:07.891011\nctime Mon Mar  4 05:06:07 2019\n")],
                1,
            ),
            code(
                "address",
                "class Model:\n    pass\n\nm = Model()\nprint(m)\nm",
                [
                    stream("<__main__.Model object at 0x7f0c1a2b3c4d>\n"),
                    result(2, {"text/plain": "<__main__.Model at 0x7f0c1a2b3c4d>"}),
                ],
                2,
            ),
            code(
                "time-magic",
                "%%time\ntotal = sum(range(10_000))\ntotal",
                [
                    stream("CPU times: user 301 µs, sys: 12 µs, total: 313 µs\nWall time: 318 µs\n"),
                    result(3, {"text/plain": "49995000"}),
                ],
                3,
            ),
            code(
                "timeit",
                "%timeit -n 1 -r 1 sum(range(100))",
                [stream("941 ms ± 0 ns per loop (mean ± std. dev. of 1 run, 1 loop each)\n")],
                4,
            ),
            code(
                "tqdm",
                "from tqdm import tqdm\n\nfor _ in tqdm(range(4), mininterval=0):\n    time.sleep(0.01)",
                [stream(tqdm_stored, "stderr")],
                5,
            ),
            code(
                "cr-progress",
                "for i in range(1, 4):\n    print(f'\\rprocessed {i}/3 files', end='')\nprint()",
                [stream("\rprocessed 3/3 files\n")],
                6,
            ),
            code(
                "temp-path",
                "import os, tempfile\n\nd = tempfile.mkdtemp(dir='/tmp')\nprint('scratch in', d)\nos.rmdir(d)",
                [stream("scratch in /tmp/tmpq8w_3z1k\n")],
                7,
            ),
            code("ulp", "print(0.1 + 0.2, 2 ** 0.5)", [stream(f"{ulp_above(third)!r} {ulp_above(2**0.5)!r}\n")], 8),
            code(
                "ulp-html",
                "from IPython.display import HTML\n\n"
                "HTML(f'<table><tr><td>{0.1 + 0.2!r}</td><td>{1 / 3!r}</td></tr></table>')",
                [
                    result(
                        9,
                        {
                            "text/html": f"<table><tr><td>{ulp_above(third)!r}</td><td>{ulp_above(1 / 3)!r}</td>"
                            "</tr></table>",
                            "text/plain": "<IPython.core.display.HTML object>",
                        },
                    )
                ],
                9,
            ),
            code(
                "png",
                PNG_SOURCE,
                [
                    result(
                        10,
                        {
                            "image/png": gradient_png(1, text_chunk="another encoder 1.0"),
                            "text/plain": "<IPython.core.display.Image object>",
                        },
                    )
                ],
                10,
            ),
            markdown("skips", "Output of these cells is never compared."),
            code(
                "skip-tag",
                "import uuid\nprint(uuid.uuid4().hex)",
                [stream("5f1d2c3b4a5948392817161514131211\n")],
                11,
                tags=["repro-skip"],
            ),
            code(
                "nbval-comment",
                "# NBVAL_IGNORE_OUTPUT\nimport os\nprint('pid', os.getpid())",
                [stream("pid 12345\n")],
                12,
            ),
            code(
                "nbval-tag", "print(time.perf_counter_ns())", [stream("123456789\n")], 13, tags=["nbval-ignore-output"]
            ),
            code(
                "nbval-skip",
                "# NBVAL_SKIP\nimport os\nos._exit(1)  # kills the kernel if it runs",
                [stream("an output from the day it ran\n")],
                14,
            ),
            code(
                "nbval-raises",
                "# NBVAL_RAISES_EXCEPTION\nraise ValueError('meant to fail')",
                [error("ValueError", "meant to fail")],
                15,
            ),
            code("plain", "print('the same every time')", [stream("the same every time\n")], 16),
        ]
    )


def nbformat_minor(minor: int) -> dict[str, Any]:
    """The same small executed notebook in nbformat 4.``minor`` (ids only from 4.5)."""
    return notebook(
        [
            markdown("title", f"nbformat 4.{minor}"),
            code("compute", "x = 6 * 7\nprint(x)", [stream("42\n")], 1),
            code("result", "x / 4", [result(2, {"text/plain": "10.5"})], 2),
            code("unexecuted", "print('not run before saving')", [], None),
        ],
        minor=minor,
    )


def reproduces() -> dict[str, Any]:
    return notebook(
        [
            code("answer", "print(6 * 7)", [stream("42\n")], 1),
            code("ratio", "22 / 7", [result(2, {"text/plain": "3.142857142857143"})], 2),
        ]
    )


def drifts_in_second_cell() -> dict[str, Any]:
    """Deterministic drift: the stored output says 41, every run prints 42."""
    return notebook(
        [
            code("setup", "base = 40", [], 1),
            code("answer", "print(base + 2)", [stream("41\n")], 2),
            code("after", "print('done')", [stream("done\n")], 3),
        ]
    )


def third_digit_drift() -> dict[str, Any]:
    """A number that differs in the third significant digit (relative 2e-3)."""
    return notebook(
        [
            code("metric", "print(f'accuracy {0.9312:.4f}')", [stream("accuracy 0.9331\n")], 1),
        ]
    )


def run_id_in_output() -> dict[str, Any]:
    """An output with a project-specific volatile part: only a configured mask hides it."""
    return notebook(
        [
            code(
                "run-id",
                "import secrets\nprint('run id:', secrets.token_hex(4), 'done')",
                [stream("run id: 0a1b2c3d done\n")],
                1,
            ),
        ]
    )


def unseeded_random_no_record() -> dict[str, Any]:
    return notebook(
        [
            code("imports", "import random", [], 1),
            code(
                "draw",
                "sample = [random.randint(0, 10 ** 9) for _ in range(3)]\nprint(sample)",
                [stream("[12, 34, 56]\n")],
                2,
            ),
            code("derived", "print(max(sample) - min(sample))", [stream("44\n")], 3),
        ]
    )


def set_order_no_record() -> dict[str, Any]:
    """A set of strings printed: its order follows PYTHONHASHSEED. Stored sorted
    descending, which a test makes sure differs from the re-run's order."""
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    stored = "{" + ", ".join(repr(w) for w in sorted(words, reverse=True)) + "}\n"
    return notebook(
        [
            code("words", "words = {" + ", ".join(repr(w) for w in words) + "}\nprint(words)", [stream(stored)], 1),
        ]
    )


def hidden_state_deleted_cell() -> dict[str, Any]:
    """``scale`` came from a cell that was deleted after the outputs were saved."""
    return notebook(
        [
            code("imports", "import math", [], 1),
            code("uses-scale", "print(math.sqrt(scale))", [stream("3.0\n")], 3),
            code("after", "print('after')", [stream("after\n")], 4),
        ]
    )


def hidden_state_defined_later() -> dict[str, Any]:
    """Run out of order when saved: ``threshold`` is defined two cells below its use."""
    return notebook(
        [
            code("apply-threshold", "print(threshold * 2)", [stream("1.0\n")], 3),
            code("other", "print('other')", [stream("other\n")], 2),
            code("set-threshold", "threshold = 0.5", [], 1),
        ]
    )


def times_out() -> dict[str, Any]:
    return notebook(
        [
            code("quick", "print('quick')", [stream("quick\n")], 1),
            code("slow", "import time\ntime.sleep(120)\nprint('slept')", [stream("slept\n")], 2),
            code("after", "print('after')", [stream("after\n")], 3),
        ]
    )


def kills_kernel() -> dict[str, Any]:
    return notebook(
        [
            code("before", "print('before')", [stream("before\n")], 1),
            code("kill", "import os\nos.kill(os.getpid(), 9)", [], 2),
            code("after", "print('after')", [stream("after\n")], 3),
        ]
    )


def raises() -> dict[str, Any]:
    return notebook(
        [
            code("before", "print('before')", [stream("before\n")], 1),
            code("boom", "raise ValueError('planted failure')", [stream("ok\n")], 2),
            code("after", "print('after')", [stream("after\n")], 3),
        ]
    )


def recorded_dependencies() -> dict[str, Any]:
    """Recorded by the tests (``repro-nb run``), then planted: data, packages, environment.

    ``localhelper.py`` and ``data/values.txt`` live in ``recorded_dependencies_data/``.
    """
    return notebook(
        [
            markdown("intro", "Depends on a data file, numpy and a local module."),
            code(
                "load",
                "with open('data/values.txt') as f:\n    rows = [float(x) for x in f.read().split()]\n"
                "print(len(rows), sum(rows))",
            ),
            code("mean", "print(f'mean {sum(rows) / len(rows):.4f}')"),
            code("arith", "print(sum(i * 0.1 for i in range(10)))"),
            code("numpy", "import numpy as np\nprint(np.array(rows).std().round(4))"),
            code("local", "import localhelper\nprint(localhelper.VALUE * 6)"),
        ]
    )


def recorded_randomness() -> dict[str, Any]:
    """Recorded by the tests, then re-run: unseeded draws and a set of strings."""
    return notebook(
        [
            code("seeded", "import random\nrandom.seed(1)\nprint(random.random())"),
            code("unseeded", "import numpy as np\nprint(np.random.default_rng().integers(10 ** 9))"),
            code("words", "print({'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'})"),
        ]
    )


def parameters() -> dict[str, Any]:
    return notebook(
        [
            code("params", "alpha = 1\nlabel = 'default'", [], None, tags=["parameters"]),
            code("use", "print(label, alpha * 10)"),
        ]
    )


def seeded_numpy_reads_csv() -> dict[str, Any]:
    """Not executed: the engine's tests run it and read its record (``seeded_numpy_reads_csv_data/``)."""
    nb = notebook(
        [
            markdown("intro", "Seeds NumPy, reads a bundled CSV, draws from the seeded global RNG."),
            code("parameters", "rows = 3", tags=["parameters"]),
            code("seed", "%repro_seed 7"),
            code(
                "read",
                "import numpy as np\ntable = np.loadtxt('seeded_numpy_reads_csv_data/values.csv', "
                "delimiter=',', skiprows=1)\nprint(table.shape)",
            ),
            code("draw", "sample = np.random.rand(rows)\nprint(sample.round(4).tolist())"),
            code("write", "np.savetxt('sample.txt', sample)"),
        ]
    )
    return nb


def stored_errors() -> dict[str, Any]:
    """Errors the author kept on purpose, one of them now gone: the run goes on past them."""
    return notebook(
        [
            markdown("intro", "Errors shown on purpose, as a tutorial does."),
            code("divide", "1 / 0", [error("ZeroDivisionError", "division by zero")], 1),
            code("index", "[1, 2][5]", [error("IndexError", "list index out of range")], 2),
            code(
                "tagged",
                "int('x')",
                [error("ValueError", "invalid literal for int() with base 10: 'x'")],
                3,
                tags=["raises-exception"],
            ),
            code("fixed", "int('42')", [error("ValueError", "invalid literal for int() with base 10: '42x'")], 4),
            code("after", "print('still running')", [stream("still running\n")], 5),
        ]
    )


def env_pins_older_six() -> dict[str, Any]:
    """Recorded by the tests (``repro-nb run``), then planted: six 1.16.0 and iniconfig 2.0.0.

    Prints six's version, so it reproduces only where six is 1.16.0; it also imports
    iniconfig, the second changed package an attribution must not blame. Both are
    small pure-Python wheels: restoring them through the index takes seconds.
    """
    return notebook(
        [
            code("versions", "import iniconfig\nimport six\nprint('six', six.__version__)"),
            code("plain", "print(6 * 7)"),
        ]
    )


def failure_and_consequences() -> dict[str, Any]:
    """One new error, the cells that fail only because of it, and an independent failure."""
    return notebook(
        [
            code("load", "import json\nconfig = json.loads(open('settings.json').read())", [], 1),
            code("use", "print(config['alpha'])", [stream("0.5\n")], 2),
            code("derived", "scaled = config['alpha'] * 2\nprint(scaled)", [stream("1.0\n")], 3),
            code("uses-derived", "print(scaled + 1)", [stream("2.0\n")], 4),
            code("independent", "print({}['missing'])", [stream("ok\n")], 5),
            code("fine", "print('fine')", [stream("fine\n")], 6),
        ]
    )


def kernel_from_another_machine() -> dict[str, Any]:
    return notebook(
        [code("a", "print(6 * 7)", [stream("42\n")], 1), code("b", "print('drifted')", [stream("stored\n")], 2)],
        kernel={"name": "conda-root-py", "display_name": "Python [conda env:root]", "language": "python"},
    )


def unknown_language_kernel() -> dict[str, Any]:
    nb = notebook(
        [code("a", "println(1)", [stream("1\n")], 1)],
        kernel={"name": "ijulia-1.9", "display_name": "Julia 1.9", "language": "julia"},
    )
    nb["metadata"]["language_info"] = {"name": "julia"}
    return nb


def markdown_only() -> dict[str, Any]:
    return notebook([markdown("title", "# Reading"), markdown("body", "Nothing to run here.")])


def frontend_assets() -> dict[str, Any]:
    """Outputs that are code for the browser (new in every session) beside a real result."""
    session = "var session = Math.random();"
    return notebook(
        [
            code(
                "widget",
                "from IPython.display import Javascript, display, HTML\nimport uuid\n"
                "display(Javascript('var session = ' + repr(uuid.uuid4().hex) + ';'))\n"
                "display(HTML('<div id=\"%s\"></div>' % uuid.uuid4().hex))\n"
                "print('result', 2 + 2)",
                [
                    display(
                        {"application/javascript": session, "text/plain": "<IPython.core.display.Javascript object>"}
                    ),
                    display(
                        {
                            "text/html": '<div id="0123456789abcdef0123456789abcdef"></div>',
                            "text/plain": "<IPython.core.display.HTML object>",
                        }
                    ),
                    stream("result 4\n"),
                ],
                1,
            ),
        ]
    )


def recorded_environment() -> dict[str, Any]:
    """Recorded by the tests with a variable set, then planted with an older NumPy."""
    return notebook(
        [
            code("mode", "import os\nprint(os.environ.get('REPRO_NB_TEST_MODE', 'unset'))"),
            code("scalar", "import numpy as np\nprint([np.float64(0.5)])"),
        ]
    )


def counts_skip() -> dict[str, Any]:
    """A cell re-run by hand: its later cell saw three appends, a top-to-bottom run sees one."""
    return notebook(
        [
            code("start", "items = []", [], 1),
            code("add", "items.append(1)", [], 2),
            code("count", "print(len(items))", [stream("3\n")], 5),
        ]
    )


def edited_after_it_ran() -> dict[str, Any]:
    """No record, yet the notebook says it: a stored traceback shows other code than the cell
    has now (a typo fixed after the error was saved), and counts that start again (a restart)."""
    typo_traceback = [
        "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
        "\x1b[0;31mNameError\x1b[0m                                 Traceback (most recent call last)",
        "Cell \x1b[0;32mIn[2], line 3\x1b[0m\n\x1b[1;32m      1\x1b[0m values \x1b[38;5;241m=\x1b[39m [\x1b[38;5;241m1\x1b[39m]\n"
        "\x1b[1;32m      2\x1b[0m total \x1b[38;5;241m=\x1b[39m \x1b[38;5;28msum\x1b[39m(values)\n"
        "\x1b[0;32m----> 3\x1b[0m \x1b[38;5;28mprint\x1b[39m(totl)\n",
        "\x1b[0;31mNameError\x1b[0m: name 'totl' is not defined",
    ]
    return notebook(
        [
            code("hello", "print('first session')", [stream("first session\n")], 1),
            code(
                "typo",
                "values = [1]\ntotal = sum(values)\nprint(total)",
                [
                    {
                        "output_type": "error",
                        "ename": "NameError",
                        "evalue": "name 'totl' is not defined",
                        "traceback": typo_traceback,
                    }
                ],
                2,
            ),
            code("restarted", "print('second session')", [], 1),
        ]
    )


def network_failure() -> dict[str, Any]:
    return notebook(
        [
            code(
                "download",
                "import urllib.request\n"
                "data = urllib.request.urlopen('http://127.0.0.1:9/sales.csv', timeout=5).read()\nprint(len(data))",
                [stream("1024\n")],
                1,
            ),
        ]
    )


def old_versions_no_record() -> dict[str, Any]:
    """What older matplotlib, pandas and NumPy printed, and no record: the outputs are the evidence."""
    return notebook(
        [
            code(
                "figure",
                "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nplt.figure()",
                [result(1, {"text/plain": "<Figure size 432x288 with 0 Axes>"})],
                1,
            ),
            code(
                "append",
                "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\n"
                "df = df.append({'a': 2}, ignore_index=True)\nprint(len(df))",
                [stream("2\n")],
                2,
            ),
            code("scalar", "import numpy as np\nprint([np.float64(0.5)])", [stream("[0.5]\n")], 3),
            code(
                "help",
                "help(sum)",
                [
                    stream(
                        "Help on built-in function sum in module builtins:\n\nsum(...)\n"
                        "    sum(iterable[, start]) -> value\n    \n"
                        "    Return the sum of an iterable of numbers (NOT strings) plus the value\n"
                        "    of parameter 'start' (which defaults to 0).  When the iterable is\n"
                        "    empty, return start.\n\n"
                    )
                ],
                4,
            ),
            code(
                "array",
                "import numpy as np\nnp.array([16.116844, -1.116844, -1.3e-15])",
                [result(5, {"text/plain": "array([  1.61168440e+01,  -1.11684400e+00,  -1.30000000e-15])"})],
                5,
            ),
            code(
                "table",
                "import pandas as pd\npd.DataFrame({'a': [1]})",
                [
                    result(
                        6,
                        {
                            "text/plain": "   a\n0  1",
                            "text/html": '<div>\n<table border="1" class="dataframe">\n  <thead>\n'
                            '    <tr style="text-align: right;">\n      <th></th>\n      <th>a</th>\n'
                            "    </tr>\n  </thead>\n  <tbody>\n    <tr>\n      <th>0</th>\n"
                            "      <td>1</td>\n    </tr>\n  </tbody>\n</table>\n</div>",
                        },
                    )
                ],
                6,
            ),
            code("shell", "!echo made on another machine", [stream("made on the author's machine\n")], 7),
        ]
    )


def env_imports_no_record() -> dict[str, Any]:
    """No record: its code imports six and yaml (PyYAML) and %pip-installs attrs, for inferred pins."""
    return notebook(
        [
            code("pip", "%pip install -q attrs"),
            code("imports", "import os\nimport six\nimport yaml\nfrom attr import define\nprint(six.__version__)"),
        ]
    )


def empty_notebook() -> dict[str, Any]:
    return notebook([])


def malformed(fault: str) -> dict[str, Any]:
    """A notebook that is valid JSON and says nbformat 4, but breaks one rule of its schema.

    Each is what a hand edit, a merge or a buggy tool leaves behind; every command must
    name the file and the fault (exit 2), and a batch must go on to the next notebook.
    """
    nb = notebook([code("a", "print(1)", [stream("1\n")], 1), code("b", "print(2)", [stream("2\n")], 2)])
    if fault == "cells_not_a_list":
        nb["cells"] = {"a": nb["cells"][0]}
    elif fault == "cell_without_source":
        del nb["cells"][1]["source"]
    elif fault == "source_not_text":
        nb["cells"][1]["source"] = 3
    elif fault == "kernelspec_not_an_object":
        nb["metadata"]["kernelspec"] = "python3"
    return nb


#: The faults of :func:`malformed`, each written as ``malformed_<fault>.ipynb``.
MALFORMED = ("cells_not_a_list", "cell_without_source", "source_not_text", "kernelspec_not_an_object")


def unknown_kernel() -> dict[str, Any]:
    return notebook(
        [code("a", "print(1)", [stream("1\n")], 1)],
        kernel={"name": "no-such-kernel-xyz", "display_name": "Nope", "language": "python"},
    )


SQUARE_SOURCE = """\
import io
from PIL import Image, ImageDraw
from IPython.display import Image as Show

img = Image.new("RGB", (80, 60), "white")
ImageDraw.Draw(img).rectangle([44, 20, 64, 40], fill=(200, 30, 30))
buf = io.BytesIO()
img.save(buf, format="PNG")
Show(buf.getvalue())"""


def square_png(left: int) -> str:
    """SQUARE_SOURCE's picture with the square at another place: what an older run drew."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (80, 60), "white")
    ImageDraw.Draw(img).rectangle([left, 20, left + 20, 40], fill=(200, 30, 30))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def planted_drift() -> dict[str, Any]:
    """What the diff views are tested on: a number and a picture drift; a cell whose only
    difference is a masked timestamp and a cell that prints the same do not."""
    return notebook(
        [
            markdown("title", "# Planted drift"),
            code("greeting", "print('hello')", [stream("hello\n")], 1),
            code(
                "timestamp",
                "import datetime\nprint('run at', datetime.datetime.now().isoformat())",
                [stream("run at 2024-03-01T09:15:02.123456\n")],
                2,
            ),
            code(
                "accuracy",
                "print(f'accuracy: {0.9222:.4f}')\nprint('macro F1: 0.5000')",
                [stream("accuracy: 0.9444\nmacro F1: 0.5000\n")],
                3,
            ),
            code(
                "square",
                SQUARE_SOURCE,
                [result(4, {"image/png": square_png(14), "text/plain": "<IPython.core.display.Image object>"})],
                4,
            ),
        ]
    )


def seeds_claims() -> dict[str, Any]:
    """Recorded by the tests under one seed, then re-run per seed by ``repro-nb seeds``.

    ``accuracy`` moves with the seed a little and its claim holds for every seed;
    ``lucky`` is the draw itself, and its claim holds for a lucky stored seed only;
    ``fixed`` does not depend on the seed at all.
    """
    return notebook(
        [
            code("imports", "import random\nimport repro_nb"),
            code(
                "accuracy",
                "noise = random.random()\nrepro_nb.result('accuracy', round(0.90 + 0.02 * noise, 6), claim='>= 0.85')",
            ),
            code("lucky", "repro_nb.result('lucky', round(noise, 6), claim='>= 0.9')"),
            code("fixed", "repro_nb.result('fixed', 0.5)"),
        ]
    )


def reads_skewed_table() -> dict[str, Any]:
    """Reads a CSV whose ``label`` column is 90 % one class (``reads_skewed_table_data/``)."""
    return notebook(
        [
            code(
                "read",
                "import csv\nwith open('reads_skewed_table_data/test.csv') as f:\n    rows = list(csv.DictReader(f))\n"
                "print(len(rows))",
            ),
        ]
    )


def stars_five(claims: bool = True) -> dict[str, Any]:
    """Earns five stars once recorded, checked and studied across seeds (``stars_data/``).

    A parameters cell, every RNG seeded, relative paths, no environment variable, a
    data file read and hashed, a named result with a claim that holds for any seed.
    ``claims=False``: the result is printed, not stored (four stars at most).
    """
    last = (
        "import repro_nb\nrepro_nb.result('accuracy', round(0.9 + 0.01 * noise, 6), claim='>= 0.85')"
        if claims
        else "print(round(0.9 + 0.01 * noise, 6))"
    )
    return notebook(
        [
            code("params", "rows = 3", tags=["parameters"]),
            code("seed", "%repro_seed 3"),
            code("draw", "import numpy as np\nnoise = float(np.random.rand())"),
            code("read", "with open('stars_data/table.csv') as f:\n    lines = f.read().splitlines()"),
            code("result", last),
        ]
    )


NOTEBOOKS: dict[str, Callable[[], dict[str, Any]]] = {
    "noise_and_skips_reproduce": noise_and_skips_reproduce,
    **{f"nbformat_4_{m}": functools.partial(nbformat_minor, m) for m in range(6)},
    "reproduces": reproduces,
    "drifts_in_second_cell": drifts_in_second_cell,
    "third_digit_drift": third_digit_drift,
    "run_id_in_output": run_id_in_output,
    "unseeded_random_no_record": unseeded_random_no_record,
    "set_order_no_record": set_order_no_record,
    "hidden_state_deleted_cell": hidden_state_deleted_cell,
    "hidden_state_defined_later": hidden_state_defined_later,
    "times_out": times_out,
    "kills_kernel": kills_kernel,
    "raises": raises,
    "recorded_dependencies": recorded_dependencies,
    "recorded_randomness": recorded_randomness,
    "parameters": parameters,
    "seeded_numpy_reads_csv": seeded_numpy_reads_csv,
    "stored_errors": stored_errors,
    "failure_and_consequences": failure_and_consequences,
    "kernel_from_another_machine": kernel_from_another_machine,
    "unknown_language_kernel": unknown_language_kernel,
    "markdown_only": markdown_only,
    "frontend_assets": frontend_assets,
    "recorded_environment": recorded_environment,
    "counts_skip": counts_skip,
    "network_failure": network_failure,
    "edited_after_it_ran": edited_after_it_ran,
    "old_versions_no_record": old_versions_no_record,
    "env_pins_older_six": env_pins_older_six,
    "env_imports_no_record": env_imports_no_record,
    "empty_notebook": empty_notebook,
    "unknown_kernel": unknown_kernel,
    **{f"malformed_{fault}": functools.partial(malformed, fault) for fault in MALFORMED},
    "planted_drift": planted_drift,
    "seeds_claims": seeds_claims,
    "reads_skewed_table": reads_skewed_table,
    "stars_five": stars_five,
    "stars_no_claims": functools.partial(stars_five, claims=False),
}


def main() -> None:
    for name, build in NOTEBOOKS.items():
        (HERE / f"{name}.ipynb").write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    data = HERE / "recorded_dependencies_data"
    (data / "data").mkdir(parents=True, exist_ok=True)
    (data / "data" / "values.txt").write_text("1.5\n2.5\n3.0\n")
    (data / "localhelper.py").write_text('"""A local module beside the notebook."""\nVALUE = 7\n')
    csv = HERE / "seeded_numpy_reads_csv_data"
    csv.mkdir(exist_ok=True)
    (csv / "values.csv").write_text("a,b\n1,2\n3,4\n5,6\n")
    stars = HERE / "stars_data"
    stars.mkdir(exist_ok=True)
    (stars / "table.csv").write_text("x,label\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))
    skewed = HERE / "reads_skewed_table_data"
    skewed.mkdir(exist_ok=True)
    (skewed / "test.csv").write_text(
        "x,score,label\n" + "".join(f"{i},{'' if i % 25 == 0 else i / 100},{int(i % 10 == 0)}\n" for i in range(100))
    )
    (HERE / "not_json.ipynb").write_text('{"cells": [{"cell_type": "code", "source": "print(1)"\n')
    (HERE / "empty_file.ipynb").write_text("")
    (HERE / "nbformat_3.ipynb").write_text(
        json.dumps(
            {
                "metadata": {"name": "old"},
                "nbformat": 3,
                "nbformat_minor": 0,
                "worksheets": [
                    {
                        "cells": [
                            {
                                "cell_type": "code",
                                "input": "print(1)",
                                "language": "python",
                                "outputs": [],
                                "prompt_number": 1,
                            }
                        ],
                        "metadata": {},
                    }
                ],
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
