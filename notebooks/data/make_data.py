"""Generate the small, deterministic data files bundled with the example notebooks.

Run from anywhere:  python notebooks/data/make_data.py

Every file is written next to this script.  A fixed seed and explicit number
formatting make the output byte-for-byte identical on every run, so the files
can be committed and their content hashes recorded by repro-nb stay stable.
Only numpy and the standard library are needed.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np

SEED = 20240601
HERE = Path(__file__).resolve().parent


def _rng(offset: int) -> np.random.Generator:
    # One independent stream per file, so changing one file leaves the others alone.
    return np.random.default_rng([SEED, offset])


def make_flowers(path: Path, n_per_class: int = 100) -> None:
    """An iris-like data set: 3 species x 100 flowers, 4 measurements in cm."""
    rng = _rng(1)
    # (mean, std) per feature, close to Fisher's iris data but a little noisier
    # so that the classifier does not score a perfect 1.0.
    species = {
        "setosa": [(5.01, 0.38), (3.43, 0.40), (1.46, 0.19), (0.25, 0.11)],
        "versicolor": [(5.94, 0.55), (2.77, 0.34), (4.26, 0.52), (1.33, 0.22)],
        "virginica": [(6.59, 0.68), (2.97, 0.35), (5.55, 0.62), (2.03, 0.30)],
    }
    floor = [4.0, 1.8, 0.8, 0.1]
    rows = []
    for name, params in species.items():
        for _ in range(n_per_class):
            values = [max(lo, rng.normal(mu, sd)) for (mu, sd), lo in zip(params, floor)]
            rows.append([f"{v:.1f}" for v in values] + [name])
    order = rng.permutation(len(rows))
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"])
        for i in order:
            w.writerow(rows[i])


REGIONS = {
    "N": {"name": "North", "country": "Utopia", "monthly_target": 21000},
    "S": {"name": "South", "country": "Utopia", "monthly_target": 19000},
    "E": {"name": "East", "country": "Utopia", "monthly_target": 16000},
    "W": {"name": "West", "country": "Utopia", "monthly_target": 14000},
}
PRODUCTS = {"widget": 12.50, "gadget": 27.00, "gizmo": 44.90}


def make_sales(path: Path) -> None:
    """Monthly unit sales for 24 months x 4 regions x 3 products (288 rows)."""
    rng = _rng(2)
    region_scale = {"N": 1.3, "S": 1.15, "E": 1.0, "W": 0.85}
    product_base = {"widget": 420, "gadget": 210, "gizmo": 95}
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["date", "region", "product", "units", "price"])
        for m in range(24):
            year, month = 2022 + m // 12, m % 12 + 1
            date = dt.date(year, month, 1).isoformat()
            season = 1.0 + 0.25 * np.sin(2 * np.pi * (month - 3) / 12)  # summer peak
            trend = 1.0 + 0.015 * m  # slow growth
            for region in REGIONS:
                for product, list_price in PRODUCTS.items():
                    mean = product_base[product] * region_scale[region] * season * trend
                    units = int(rng.poisson(mean))
                    # occasional promotion: 10 % off
                    price = list_price * (0.9 if rng.random() < 0.15 else 1.0)
                    w.writerow([date, region, product, units, f"{price:.2f}"])


def make_regions(path: Path) -> None:
    path.write_text(json.dumps(REGIONS, indent=2, sort_keys=True) + "\n")


def make_measurements(path: Path, n: int = 40) -> None:
    """Daily sensor readings: the input that classic_mistakes.ipynb appends to."""
    rng = _rng(3)
    start = dt.date(2024, 3, 1)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["sample", "date", "temperature_c", "reading"])
        for i in range(n):
            temp = rng.normal(21.0, 1.5)
            reading = 20.0 + 0.4 * (temp - 21.0) + rng.normal(0.0, 2.0)
            w.writerow(
                [
                    f"S{i + 1:03d}",
                    (start + dt.timedelta(days=i)).isoformat(),
                    f"{temp:.2f}",
                    f"{reading:.2f}",
                ]
            )


def make_transactions(path: Path, n: int = 600) -> None:
    """Card transactions, 5 % of them fraud: the skewed evaluation of skewed_evaluation.ipynb.

    Fraud is only weakly visible in the amount and the hour, so a classifier that
    predicts "not fraud" nearly always scores about 95 % accuracy and learns little.
    """
    rng = _rng(4)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["transaction", "amount", "hour", "is_fraud"])
        for i in range(n):
            fraud = int(rng.random() < 0.05)
            amount = rng.lognormal(3.6 + 0.5 * fraud, 0.8)
            hour = int(rng.integers(0, 24)) if not fraud or rng.random() < 0.5 else int(rng.integers(0, 5))
            w.writerow([f"T{i + 1:04d}", f"{amount:.2f}", hour, fraud])


def main() -> None:
    make_flowers(HERE / "flowers.csv")
    make_sales(HERE / "sales.csv")
    make_regions(HERE / "regions.json")
    make_measurements(HERE / "measurements.csv")
    make_transactions(HERE / "transactions.csv")
    for p in sorted(HERE.iterdir()):
        if p.suffix in {".csv", ".json"}:
            print(f"{p.name:20s} {p.stat().st_size:7d} bytes")


if __name__ == "__main__":
    main()
