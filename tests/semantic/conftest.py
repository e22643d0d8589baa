"""Stores for the semantic-layer tests: the two sample text files, and a generated library.

The generated library (``python -m bench.corpus``, fixed seed, text only) holds
other fund names, other amounts, two years of compilations and the disclosures
of other departments.  The parse table uses names read from its manifest, so a
row passes only if the parser learnt the names from the store it was given,
never from the sample documents.  Both stores are ingested once per test run
without a vector index (questions answered by meaning are not tested here).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import DEPT_TXT, FUNDS_TXT, SAMPLES
from sqlalchemy import Engine

from assistant.semantic.engine import SemanticEngine
from db.engine import make_engine
from ingest.pipeline import ingest_paths

ROOT = Path(__file__).resolve().parents[2]
GENERATED_SEED = 5
GENERATED_LIBRARY = ("--departments", "4", "--years", "2023,2024", "--formats", "txt")
ZONE = "重庆市万盛经济技术开发区"


@dataclass(frozen=True)
class Library:
    """A generated library in a store: the store, the manifest, and the names the tests use."""

    engine: Engine
    manifest: dict
    names: dict[str, str]


def wan(text: str) -> Decimal:
    """A written amount ("1,086.6", "502.00") as a number of 万元."""
    return Decimal(text.replace(",", ""))


def plain(value: Decimal) -> str:
    """A number as the shortest plain string (47.0 → "47", 1058.10 → "1058.1")."""
    return format(value.normalize(), "f")


def everyday_name(full: str) -> str:
    """What staff call a department, from its full name: 南桐镇, 万盛街道, 财政局."""
    town = re.search(r"区(.+?镇)人民政府$", full)
    if town:
        return town.group(1)
    street = re.search(r"人民政府(.+?街道)办事处$", full)
    if street:
        return street.group(1)
    return full.removeprefix(ZONE)


def names_for_questions(manifest: dict, sample_text: str) -> dict[str, str]:
    """The generated entities the questions name, chosen by rule from the manifest.

    Funds are taken whose names the sample documents never use, that are unique in the
    2024 compilation and no part of another fund's name (so one name means one fund),
    whose catalog and form figures agree, of departments with two or more funds, each
    fund of a different department.  Towns have two or more funds and no disclosure;
    the department with a disclosure is a district department.
    """
    compilation = next(d for d in manifest["documents"] if d["kind"] == "special_funds" and d["year"] == 2024)
    funds = compilation["funds"]
    names = [f["name"] for f in funds]
    by_dept: dict[str, list[dict]] = {}
    for fund in funds:
        by_dept.setdefault(fund["dept_name"], []).append(fund)

    def clean(fund: dict) -> bool:
        name = fund["name"]
        return (name not in sample_text and names.count(name) == 1
                and not any(other != name and (name in other or other in name) for other in names)
                and wan(fund["catalog_amount"]) == wan(fund["form_amount"])
                and fund["dept_name"].startswith(ZONE) and len(by_dept[fund["dept_name"]]) >= 2)

    chosen: list[dict] = []
    for fund in filter(clean, funds):
        if all(fund["dept_name"] != c["dept_name"] for c in chosen):
            chosen.append(fund)
    disclosed = sorted({d["dept_name"] for d in manifest["documents"] if d["kind"] == "dept_budget"})
    towns = [d for d, fs in by_dept.items()
             if d.endswith("镇人民政府") and len(fs) >= 2 and d not in disclosed]
    district = [d for d in disclosed if d.startswith(ZONE)]
    assert len(chosen) >= 3 and len(towns) >= 2 and len(district) >= 2, "the generated library is too small"
    f1, f2, f3 = chosen[:3]
    out = {"F1": f1["name"], "F2": f2["name"], "F3": f3["name"],
           "D1": everyday_name(f1["dept_name"]), "D2": everyday_name(f2["dept_name"]),
           "D3": everyday_name(f3["dept_name"]),
           "A1": plain(wan(f1["catalog_amount"])), "A2": plain(wan(f2["catalog_amount"])),
           "C1": f1["contact"], "P1": f1["phone"],
           "T1": everyday_name(towns[0]), "T2": everyday_name(towns[1]),
           "DB": everyday_name(district[0]), "DB2": everyday_name(district[1])}
    return out


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The two sample text files (key special funds, the office's department budget) in one store."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('samples')}/samples.db")
    results = ingest_paths(engine, [SAMPLES / FUNDS_TXT, SAMPLES / DEPT_TXT])
    assert not [r.describe() for r in results if r.failed]
    return engine


@pytest.fixture(scope="session")
def sample_engine(sample_store: Engine) -> SemanticEngine:
    return SemanticEngine(sample_store)


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """A generated library (4 disclosing departments × 2023–2024, text only) and nothing else."""
    out = tmp_path_factory.mktemp("generated")
    subprocess.run([sys.executable, "-m", "bench.corpus", "--out", str(out), "--seed", str(GENERATED_SEED),
                    *GENERATED_LIBRARY], cwd=ROOT, check=True, capture_output=True, text=True)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    engine = make_engine(f"sqlite:///{out}/library.db")
    results = ingest_paths(engine, [out / name for doc in manifest["documents"] for name in doc["files"]])
    assert not [r.describe() for r in results if r.failed]
    sample_text = (SAMPLES / FUNDS_TXT).read_text(encoding="utf-8")
    return Library(engine, manifest, names_for_questions(manifest, sample_text))


@pytest.fixture(scope="session")
def library_engine(library: Library) -> SemanticEngine:
    return SemanticEngine(library.engine)
