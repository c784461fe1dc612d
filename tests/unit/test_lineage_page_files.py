"""The lineage page's files: everything it loads is one of its own files (no CDN), and the
vendored library is the npm package's file, unmodified (hashes recorded in
app/web/static/vendor/README.md when it was copied from elkjs@0.12.1)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "app" / "web" / "static"
PREFIX = "/lineage/static/"


def _own_files() -> list[Path]:
    return [p for p in STATIC.iterdir() if p.suffix in {".html", ".js", ".css"}]


def test_the_page_loads_only_its_own_files() -> None:
    html = (STATIC / "lineage.html").read_text()
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert references, "the page references its script and style"
    for ref in references:
        if ref.startswith("data:") or ref == "/lineage":
            continue
        assert ref.startswith(PREFIX), ref
        assert (STATIC / ref[len(PREFIX) :]).is_file(), ref


def test_every_module_import_is_a_file_beside_it() -> None:
    for source in STATIC.glob("*.js"):
        for spec in re.findall(r"""^import .* from ["']([^"']+)["'];$""", source.read_text(), re.M):
            assert spec.startswith("./"), f"{source.name} imports {spec}"
            assert (STATIC / spec[2:]).is_file(), f"{source.name} imports missing {spec}"


def test_no_file_of_the_page_names_another_host() -> None:
    loads = re.compile(r"""(?:import\s.*from|src=|href=|url\(|new URL\(|fetch\()\s*["']?(?:https?:)?//""")
    for path in _own_files():
        assert not loads.search(path.read_text()), path.name


def test_the_vendored_files_are_the_recorded_ones() -> None:
    recorded = dict(
        re.findall(r"`([\w.-]+\.js)` ([0-9a-f]{64})", (STATIC / "vendor" / "README.md").read_text())
    )
    assert set(recorded) == {"elk-api.js", "elk-worker.min.js"}
    for name, digest in recorded.items():
        assert hashlib.sha256((STATIC / "vendor" / "elkjs" / name).read_bytes()).hexdigest() == digest, name
    assert "Eclipse Public License - v 2.0" in (STATIC / "vendor" / "elkjs" / "LICENSE.md").read_text()
