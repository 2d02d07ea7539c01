"""The meeting bundle of SCORING.md: a whole meeting as one JSON document, in and out.

Reading checks the whole document first and reports every problem, each line starting with
its JSON path (`ballots[3].scores.ZZ`); only a bundle without problems is stored, in one
transaction. Writing is deterministic (fixed order of keys and rows, decimals without
trailing zeros), so export → import → export gives the same bytes. Results come from
`meetings.results`, never from arithmetic here.
"""

from meetings.bundle.read import FORMAT, BundleInvalid, dumps, loads, validate_bundle
from meetings.bundle.store import import_bundle
from meetings.bundle.write import export_bundle

__all__ = [
    "FORMAT",
    "BundleInvalid",
    "dumps",
    "export_bundle",
    "import_bundle",
    "loads",
    "validate_bundle",
]
