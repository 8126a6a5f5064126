"""``repro_nb.format.cellcode``: what a cell's IPython code imports and defines, unrun."""

from __future__ import annotations

import pytest

from repro_nb.format.cellcode import direct_imports


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import numpy as np\nfrom pandas import DataFrame", {"numpy", "pandas"}),
        ("import a.b.c as d", {"a"}),
        ("import os, sys as system", {"os", "sys"}),
        ("from . import x\nfrom .sibling import y\nfrom .. import z", set()),
        ("from a.b import c\nfrom . import x", {"a"}),
        (
            (
                "try:\n    import ujson as json\nexcept ImportError:\n    import json\n"
                "if True:\n    def f():\n        from deep.inside import g\n"
            ),
            {"ujson", "json", "deep"},
        ),
        ("importlib.import_module('dyn.sub')\n__import__('dyn2')", {"dyn", "dyn2"}),
        ("x = 1", set()),
        ("", set()),
    ],
)
def test_direct_imports_of_plain_python(source: str, expected: set[str]) -> None:
    assert direct_imports(source) == expected


def test_direct_imports_skip_line_magics_shell_escapes_and_help() -> None:
    source = (
        "%matplotlib inline\n"
        "import matplotlib.pyplot as plt\n"
        "!pip install seaborn\n"
        "files = !ls\n"
        "timing = %timeit -o sum(range(3))\n"
        "plt.plot?\n"
        "??plt\n"
        "for i in range(2):\n"
        "    !echo {i}\n"
        "    %time import inside_magic_is_not_python\n"
        "import scipy.stats\n"
    )
    assert direct_imports(source) == {"matplotlib", "scipy"}


@pytest.mark.parametrize("magic", ["%%time", "%%timeit -n1 -r1", "%%capture output"])
def test_python_cell_magics_keep_their_body(magic: str) -> None:
    assert direct_imports(f"{magic}\nimport sklearn.linear_model\n") == {"sklearn"}


def test_stacked_python_cell_magics() -> None:
    assert direct_imports("\n%%capture out\n%%time\nimport torch\n") == {"torch"}


@pytest.mark.parametrize("magic", ["%%bash", "%%writefile helper.py", "%%html", "%%sql"])
def test_other_cell_magics_have_no_python_imports(magic: str) -> None:
    assert direct_imports(f"{magic}\nimport not_python\n") == set()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f(:\n    import a\nimport b\n", {"a", "b"}),
        ("import good\nthis is not python\nimport also_good\n", {"good", "also_good"}),
        ("x = '''\nnever closed\nimport shown_by_regex_fallback\n", {"shown_by_regex_fallback"}),
        ("if x:\nimport after_broken_block\n", {"after_broken_block"}),
        ("\x00 garbage \x00\nimport survivor", {"survivor"}),
    ],
)
def test_direct_imports_survive_syntax_errors(source: str, expected: set[str]) -> None:
    assert expected <= direct_imports(source)


def test_direct_imports_returns_a_fresh_set_each_time() -> None:
    first = direct_imports("import numpy")
    first.add("mutated")
    assert direct_imports("import numpy") == {"numpy"}
