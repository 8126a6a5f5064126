"""One way to name a cell: the prompt and a snippet of its source."""

from __future__ import annotations

from repro_nb.format.cellname import cell_label, cell_label_of, snippet


def test_prompt_and_first_line_that_does_something() -> None:
    source = "import pandas as pd\n# load\ndf = pd.read_csv('data/sales.csv')\n"
    assert cell_label(3, source) == "[3] df = pd.read_csv('data/sale…"


def test_a_cell_of_imports_shows_its_import() -> None:
    assert cell_label(1, "import numpy as np\n") == "[1] import numpy as np"


def test_never_run_and_without_source() -> None:
    assert cell_label(None, "x = 1") == "[ ] x = 1"
    assert cell_label(7, None) == "[7]"
    assert cell_label(None, None, 6) == "cell 7"


def test_magics_and_comments_are_passed_over() -> None:
    assert snippet("%load_ext repro_nb\n%repro_seed 42\nx = f(1)") == "x = f(1)"
    assert snippet("# only a comment") == "# only a comment"
    assert snippet("   \n") == ""


def test_markdown_cells_have_no_prompt() -> None:
    assert cell_label_of({"cell_type": "markdown", "source": ["# Title\n", "text"]}, 0) == "# Title"
    assert cell_label_of({"cell_type": "code", "execution_count": 2, "source": ["y = 2"]}) == "[2] y = 2"
