"""The vendored spec (tests/resources/spec) must not drift from the project's spec digest.

The request-shape tests read the vendored copy so a plain checkout can run
them. When the digest itself is present next to the repository
(``../shared/spec`` from the repository root; it is not part of the
repository), every vendored file must equal its original byte for byte, and
the vendored folders must hold every file the digest has in them. The
vendored README.md is our own note and is not compared.
"""

from __future__ import annotations

from pathlib import Path

import pytest

VENDORED = Path(__file__).parent / "spec"
REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared" / "spec"
OWN_FILES = {Path("README.md")}


def _files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"the spec digest is not present at {SHARED}")
    return SHARED


def test_every_vendored_file_equals_the_shared_spec(shared: Path) -> None:
    vendored = _files(VENDORED) - OWN_FILES
    assert vendored, "the vendored spec is empty"
    missing = sorted(str(p) for p in vendored if not (shared / p).is_file())
    assert not missing, f"vendored files no longer in {shared}: {missing}"
    changed = sorted(
        str(p) for p in vendored if (VENDORED / p).read_bytes() != (shared / p).read_bytes()
    )
    assert not changed, f"vendored spec files differ from {shared}: {changed}; copy them again"


def test_vendored_folders_hold_every_file_of_the_shared_spec(shared: Path) -> None:
    folders = {p.parts[0] for p in _files(VENDORED) if len(p.parts) > 1}
    assert folders >= {"openapi", "examples"}
    for folder in sorted(folders):
        new = _files(shared / folder) - _files(VENDORED / folder)
        assert not new, f"{folder}/ files in {shared} but not vendored: {sorted(map(str, new))}"
