"""One error type for bad input: it names the file, the row (or cell) and the field."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input. Raised before anything is written, so a failed load changes nothing."""

    def __init__(self, message: str, *, file: str | None = None, row: object = None,
                 field: str | None = None):
        self.file, self.row, self.field, self.reason = file, row, field, message
        where = ", ".join(
            part for part in (
                f"file {file}" if file else "",
                f"row {row}" if row is not None else "",
                f"field {field!r}" if field else "",
            ) if part
        )
        super().__init__(f"{where}: {message}" if where else message)
