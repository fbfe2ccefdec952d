"""Write tests/vectors/codes.json from sync/codes.py and sync/code_permutation.py.

Run once from the repository root (.venv/bin/python tests/vectors/make_code_vectors.py)
when the code format is deliberately extended; the file then pins the format: pytest
and vitest both check it, and a changed permutation would fail `issued` (a changed
permutation could re-issue a code that an old dossier holds)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sync.code_permutation import CodeIssuer
from sync.codes import ALPHABET, InvalidCode, make_code, parse_code

OUT = Path(__file__).resolve().parent / "codes.json"

LAYOUT = [
    ("00070", 2026, 1),
    ("00070", 2026, 0),
    ("26734", 2025, 12345),
    ("00004", 2099, 32**8 - 1),
    ("12345", 2026, 987654321),
    ("99999", 2000, 31),
    ("01234", 2026, 1024),
    ("00070", 2026, 32**4),
    ("26734", 2026, 0x5A5A5A5A5A),
]

PARSE_INPUTS = [
    "0007026000000019",
    "0007 0260 0000 0019",
    "0007-0260-0000-0019",
    "  0007.0260.0000.0019 ",
    "O007 0260-0000 0019",
    "2673 4250 0000 c1s5",
    "0007_026_000000019",
    "123452600XDWT5HA",
    "123452600xdwt5ha",
    "12345 2600 xdwt 5ha",
    "0007026VVJZGM7EC",
    "0007026vujzgm7ec",
    "0007026VVJZGM7EB",
    "0007026VVJZGM7FC",
    "0007026000000018",
    "0007026000000091",
    "000702600000001",
    "00070260000000199",
    "",
    "A007026000000019",
    "0007026000000O19",
    "00070260000I0019",
    "0007026*00000019",
    "0007 0260 0000 0019 x",
    "xin chào",
]

# Fixed keys, for the pin only: a real key is 32 random bytes made by the server.
KEYS = [bytes(range(32)).hex(), "6d6f74637561" * 5 + "0000"]
ISSUED = [(KEYS[0], "00070", 2026, c) for c in (0, 1, 2, 3, 1000, 10**6, 32**8 - 32**4 - 1)] + [
    (KEYS[0], "00004", 2026, 1),
    (KEYS[0], "00070", 2027, 1),
    (KEYS[1], "00070", 2026, 1),
    (KEYS[1], "26734", 2025, 12345),
]


def parse_case(text: str) -> dict:
    try:
        return {"input": text, "code": parse_code(text)}
    except InvalidCode as exc:
        return {"input": text, "problem": exc.reason}


def main() -> None:
    doc = {
        "alphabet": ALPHABET,
        "layout": [
            {"commune": c, "year": y, "sequence": s, "code": make_code(c, y, s)}
            for c, y, s in LAYOUT
        ],
        "parse": [parse_case(t) for t in PARSE_INPUTS],
        "issued": [
            {
                "key": k,
                "commune": c,
                "year": y,
                "counter": n,
                "code": CodeIssuer(bytes.fromhex(k), c, y).code(n),
            }
            for k, c, y, n in ISSUED
        ],
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"{sum(len(v) for v in doc.values() if isinstance(v, list))} vectors written to {OUT}")


if __name__ == "__main__":
    main()
