"""The repository stands alone: no test, benchmark or make target reads files beside it."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A path that climbs out of the repository or names the team's shared/ folder beside it.
OUTSIDE = re.compile(r"""\.\./shared|["']shared["']\s*/|/shared/fixtures|parents\[2\]\s*/\s*["']shared""")


def _sources():
    for folder in ("tests", "bench", ".ci"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in ("", ".py", ".sh", ".md", ".ini", ".cfg") \
                    and "__pycache__" not in path.parts:
                yield path
    yield ROOT / "Makefile"


def test_nothing_reads_files_outside_the_repository():
    me = Path(__file__).resolve()
    hits = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in _sources() if p.resolve() != me
            for m in OUTSIDE.finditer(p.read_text(errors="replace"))
            if "fixtures/plans/README.md" not in str(p)]
    assert not hits, "reads outside the repository:\n" + "\n".join(hits)


def test_the_plan_fixtures_are_in_the_repository_with_their_origin():
    folder = ROOT / "tests" / "fixtures" / "plans"
    assert (folder / "pukou-2024.csv").is_file() and (folder / "taibai-2018.csv").is_file()
    assert "Copied unchanged" in (folder / "README.md").read_text()
