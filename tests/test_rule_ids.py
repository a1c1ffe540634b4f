"""Every AWS rule id the project cites is defined in docs/aws-rules.md, once, with a source.

The project cites rules as `R<n>` in code, comments, docstrings, error messages, hop details,
tests, the README and the seed topologies. A citation of an id the document does not define is
a dangling reference for a reader who has only the repository.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "aws-rules.md"
# Where citations live: directories are searched recursively; a missing path is skipped.
CITING = ("emulator", "tests", "topologies", "README.md", "CONTRIBUTING.md", "docs/aws-rules.md")
TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".json", ".toml", ".txt", ".cfg", ".ini"}

# `R` and one to three digits standing alone: nothing of a word before it (AR1, x_R2, 0R3), no
# letter or digit after it (R2D2, R1000). A trailing underscore is allowed, so a test constant
# named R27_NETWORK cites R27. `R23–R30` (en dash or hyphen) cites every id of the range.
_ID = r"(?<![A-Za-z0-9_])R([0-9]{1,3})(?![A-Za-z0-9])"
CITATION = re.compile(rf"{_ID}(?:[ \t]*[–-][ \t]*{_ID})?")
# A definition is a level-3 heading `### R<n> — title`; its entry runs to the next heading.
DEFINITION = re.compile(r"^###[ \t]+R([0-9]+)[ \t]+[—–-][ \t]+\S", re.MULTILINE)
HEADING = re.compile(r"^#{1,6}[ \t]", re.MULTILINE)


def cited_ids(text: str) -> list[tuple[str, int]]:
    """(rule id, line number) for each id `text` cites, ranges expanded."""
    found = []
    for match in CITATION.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        first, last = match.group(1), match.group(2)
        found.append((f"R{first}", line))
        if last is not None:
            found += [(f"R{n}", line) for n in range(int(first) + 1, int(last))]
            found.append((f"R{last}", line))
    return found


def citations() -> dict[str, str]:
    """Each cited id -> the first place citing it (`path:line`), over every file of CITING."""
    places: dict[str, str] = {}
    for entry in CITING:
        path = ROOT / entry
        files = sorted(path.rglob("*")) if path.is_dir() else [path] if path.exists() else []
        for file in files:
            if file.suffix not in TEXT_SUFFIXES or "__pycache__" in file.parts or not file.is_file():
                continue
            for rule, line in cited_ids(file.read_text(encoding="utf-8", errors="replace")):
                places.setdefault(rule, f"{file.relative_to(ROOT)}:{line}")
    return places


def definitions(doc: str) -> list[tuple[str, str]]:
    """(rule id, entry text) for each rule the document defines, in document order."""
    out = []
    for match in DEFINITION.finditer(doc):
        following = HEADING.search(doc, match.end())
        out.append((f"R{match.group(1)}", doc[match.start():following.start() if following else len(doc)]))
    return out


def undefined(places: dict[str, str], doc: str) -> list[str]:
    """'R<n> (cited at path:line)' for each cited id the document does not define."""
    defined = {rule for rule, _ in definitions(doc)}
    missing = sorted(set(places) - defined, key=lambda r: int(r[1:]))
    return [f"{rule} (cited at {places[rule]})" for rule in missing]


def test_every_cited_rule_id_is_defined_in_the_rules_document():
    places = citations()
    assert len(places) > 100, "the scan found almost no citations: is CITING still right?"
    missing = undefined(places, DOC.read_text(encoding="utf-8"))
    assert not missing, "docs/aws-rules.md does not define: " + "; ".join(missing)


def test_every_rule_in_the_document_names_an_https_source():
    unsourced = [rule for rule, entry in definitions(DOC.read_text(encoding="utf-8")) if "https://" not in entry]
    assert not unsourced, f"entries without an https:// source: {', '.join(unsourced)}"


def test_no_rule_id_is_defined_twice():
    rules = [rule for rule, _ in definitions(DOC.read_text(encoding="utf-8"))]
    twice = sorted({r for r in rules if rules.count(r) > 1}, key=lambda r: int(r[1:]))
    assert rules and not twice, f"defined more than once: {', '.join(twice)}"


def test_the_ids_new_work_cites_are_defined():
    rules = {rule for rule, _ in definitions(DOC.read_text(encoding="utf-8"))}
    wanted = {"R9", "R10", "R17", "R30", "R111", "R133"}
    assert wanted <= rules, f"not defined: {', '.join(sorted(wanted - rules))}"


def test_a_rule_missing_from_the_document_is_named_with_a_place_citing_it():
    doc = DOC.read_text(encoding="utf-8")
    without = re.sub(r"^### R17 — ", "### Blackhole routes — ", doc, flags=re.MULTILINE)
    assert without != doc
    missing = undefined(citations(), without)
    assert len(missing) == 1 and missing[0].startswith("R17 (cited at "), missing
    path, line = missing[0][len("R17 (cited at "):-1].rsplit(":", 1)
    assert re.search(r"\bR17\b", (ROOT / path).read_text(encoding="utf-8").splitlines()[int(line) - 1])


def test_an_undefined_id_in_code_is_reported():
    places = {**citations(), **{rule: f"emulator/example.py:{line}"
                                for rule, line in cited_ids("raise InputError('... (R" + "999)')")}}
    assert undefined(places, DOC.read_text(encoding="utf-8")) == ["R" + "999 (cited at emulator/example.py:1)"]


def test_what_counts_as_a_citation():
    ids = [r for r, _ in cited_ids("drop (R1), R9: reserved; R27_NETWORK; R80/R81")]
    assert ids == ["R1", "R9", "R27", "R80", "R81"]
    assert [r for r, _ in cited_ids("Prefix list (R23–R27)")] == ["R23", "R24", "R25", "R26", "R27"]
    assert [r for r, _ in cited_ids("prices R138-R140\n(R3)")] == ["R138", "R139", "R140", "R3"]
    assert cited_ids("(R3)\n\n`R122`") == [("R3", 1), ("R122", 3)]
    for word in ("R2D2", "AR1", "R1000", "xR5", "HR12", "0R3", "x_R2", "R1a", "ROUTER", "R-1"):
        assert cited_ids(word) == [], word
