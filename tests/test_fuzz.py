"""Random, truncated and damaged files thrown at every reader through ``ingest_file``.

Whatever the bytes, ingest never raises: a file either goes in or fails with a
Chinese reason, and a failed file leaves the store exactly as it was.  The
example counts are fixed and the runs derandomised, so the file is quick and
gives the same verdict on every machine.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from conftest import DEPT_TXT, SAMPLES, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from db.engine import make_engine
from ingest.pipeline import ADDED, REPLACED, UNCHANGED, ingest_file

DEPT = "wansheng_2024_admin_office_dept_budget"
SUFFIXES = (".txt", ".md", ".pdf", ".xlsx", ".docx")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _fuzz(examples: int):
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _tiny_pdf() -> bytes:
    """A one-page PDF with a few lines of text in a standard font, xref and all: quick to parse."""
    lines = ["Budget 2024", "Item\tAmount", "Office 23.10", "Travel 6.50"]
    content = "BT /F1 12 Tf 72 720 Td " + " ".join(f"({line}) Tj 0 -16 Td" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    return out + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


REAL = {
    ".txt": (SAMPLES / DEPT_TXT).read_bytes(),
    ".md": (SAMPLES / DEPT_TXT).read_bytes(),
    ".pdf": _tiny_pdf(),
    ".xlsx": (SAMPLES / f"{DEPT}.xlsx").read_bytes(),
    ".docx": (SAMPLES / f"{DEPT}.docx").read_bytes(),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    """One store for the whole module, already holding a document that failures must not touch."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/t.db")
    assert ingest_file(engine, SAMPLES / DEPT_TXT, identity="已有.txt").status == ADDED
    return engine


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("files")


def ingest_safely(engine: Engine, folder: Path, suffix: str, data: bytes) -> None:
    """Ingest the bytes as a file: it goes in, or it fails in Chinese leaving the store unchanged."""
    path = folder / f"样本{suffix}"
    path.write_bytes(data)
    before = snapshot(engine)
    result = ingest_file(engine, path, identity=f"样本{suffix}")
    if result.failed:
        assert _CHINESE.search(result.message) and "Traceback" not in result.message, result.message
        assert snapshot(engine) == before, f"a failed file left something behind: {result.describe()}"
    else:
        assert result.status in (ADDED, REPLACED, UNCHANGED), result.describe()


def _flip(data: bytes, positions: list[int]) -> bytes:
    damaged = bytearray(data)
    for p in positions:
        damaged[p % len(damaged)] ^= 0xFF
    return bytes(damaged)


@_fuzz(60)
@given(suffix=st.sampled_from(SUFFIXES), data=st.binary(max_size=2048))
def test_random_bytes(engine, folder, suffix, data):
    ingest_safely(engine, folder, suffix, data)


@_fuzz(40)
@given(suffix=st.sampled_from([".txt", ".md", ".pdf"]), cut=st.floats(0, 1),
       flips=st.lists(st.integers(0, 1 << 20), max_size=6))
def test_truncated_and_damaged_text_and_pdf(engine, folder, suffix, cut, flips):
    data = REAL[suffix][: int(len(REAL[suffix]) * cut)]
    ingest_safely(engine, folder, suffix, _flip(data, flips) if data else data)


@st.composite
def damaged_package(draw, suffix: str) -> bytes:
    """The real workbook or document with one member truncated, damaged or missing, re-zipped."""
    with zipfile.ZipFile(io.BytesIO(REAL[suffix])) as package:
        members = {name: package.read(name) for name in package.namelist()}
    name = draw(st.sampled_from(sorted(members)))
    how = draw(st.sampled_from(["truncate", "flip", "drop"]))
    body = members[name]
    if how == "drop":
        del members[name]
    elif how == "truncate":
        members[name] = body[: draw(st.integers(0, len(body)))]
    elif body:
        members[name] = _flip(body, draw(st.lists(st.integers(0, len(body) - 1), min_size=1, max_size=8)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for member, content in members.items():
            package.writestr(member, content)
    return out.getvalue()


@_fuzz(12)
@given(suffix=st.sampled_from([".xlsx", ".docx"]), data=st.data())
def test_damaged_office_packages(engine, folder, suffix, data):
    ingest_safely(engine, folder, suffix, data.draw(damaged_package(suffix)))


@_fuzz(8)
@given(suffix=st.sampled_from([".xlsx", ".docx"]), cut=st.floats(0, 1),
       flips=st.lists(st.integers(0, 1 << 20), max_size=4))
def test_truncated_and_damaged_office_files(engine, folder, suffix, cut, flips):
    data = REAL[suffix][: int(len(REAL[suffix]) * cut)]
    ingest_safely(engine, folder, suffix, _flip(data, flips) if data else data)


def test_the_sample_pdf_cut_short(engine, folder):
    """The real PDF cut at its middle: pdfminer must rebuild what it can without a cross-reference table."""
    data = (SAMPLES / f"{DEPT}.pdf").read_bytes()
    ingest_safely(engine, folder, ".pdf", data[: len(data) // 2])
