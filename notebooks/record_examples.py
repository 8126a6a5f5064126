"""Execute and record the example notebooks, in place.

The examples are stored *with* outputs and records, as an author would commit them, so
that `repro-nb check notebooks/` has something to reproduce. `iris_classifier` and
`sales_analysis` run top to bottom with the recorder (`repro-nb run --in-place`).
`classic_mistakes` replays its author's session in the order kept in
`metadata.repro_nb_example.execution_order` — out of order, as the mistakes require —
through the checker's recording nbclient client, which stores outputs and records as
JupyterLab would.

    python notebooks/record_examples.py
"""

from __future__ import annotations

import os
import sys

from repro_nb.check.engine import ExecutionObserver, RecordingClient
from repro_nb.check.run import run_notebook
from repro_nb.format.files import read_notebook, write_notebook

HERE = os.path.dirname(os.path.abspath(__file__))


def record_top_to_bottom(name: str) -> None:
    path = os.path.join(HERE, name)
    result = run_notebook(path)
    if not result.ok:
        sys.exit(f"{name}: {result.status}: {result.failure}")
    write_notebook(result.nb, path)
    print(f"{name}: {len(result.executed)} cells recorded")


def record_replay(name: str) -> None:
    path = os.path.join(HERE, name)
    nb = read_notebook(path)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("repro_nb", None)
    nb.metadata.pop("repro_nb", None)
    order = nb.metadata["repro_nb_example"]["execution_order"]
    index_of = {cell.get("id"): i for i, cell in enumerate(nb.cells)}
    client = RecordingClient(
        nb,
        observer=ExecutionObserver(notebook_path=path),
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": HERE}},
    )
    with client.setup_kernel():
        # as nbclient's execute() and JupyterLab do: the kernel's full language_info, so
        # that opening the notebook (the kernel connecting) changes nothing
        reply = client.wait_for_reply(client.kc.kernel_info())
        nb.metadata["language_info"] = reply["content"]["language_info"]
        for cell_id in order:
            index = index_of[cell_id]
            client.execute_cell(nb.cells[index], index)
    write_notebook(nb, path)
    print(f"{name}: replayed {len(order)} cells in the author's order")


if __name__ == "__main__":
    record_top_to_bottom("iris_classifier.ipynb")
    record_top_to_bottom("sales_analysis.ipynb")
    record_top_to_bottom("skewed_evaluation.ipynb")
    record_replay("classic_mistakes.ipynb")
