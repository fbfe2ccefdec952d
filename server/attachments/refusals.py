"""A file the server will not keep, and what to tell the person about it."""

from __future__ import annotations


class Refused(Exception):
    """A refusal with its HTTP status, problem code and message (vi, en). `filename`,
    the name the person chose the file by, is set by the upload that checked it, so
    the answer says which of their files was refused."""

    def __init__(self, status: int, code: str, vi: str, en: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.vi = vi
        self.en = en
        self.filename = ""

    def message(self, lang: str) -> str:
        text = self.vi if lang == "vi" else self.en
        return f"\u201c{self.filename}\u201d: {text}" if self.filename else text


def damaged(kind_vi: str, kind_en: str) -> Refused:
    return Refused(
        422,
        "file_damaged",
        f"Tệp {kind_vi} bị hỏng hoặc chưa tải lên trọn vẹn; hãy chọn hoặc chụp lại.",
        f"The {kind_en} file is damaged or incomplete; choose or take it again.",
    )
