"""Reading and writing CSV, JSON and XLSX files of records.

Reading returns the column names and the rows as dicts (CSV cells are strings, XLSX cells typed by the sheet, JSON
values as they are). Bad files raise ValidationFailed naming the problem (the API answers 400). Limits: rows
(NOCODE["IMPORT_MAX_ROWS"]) and columns; empty rows are ignored.
JSON files are a list of objects, or {"records": [...]}; the columns are the keys in order of first appearance.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from shared_apps.foundation.codes import ErrorCode
from shared_apps.foundation.exceptions import ValidationFailed
from shared_apps.foundation.jsoncodec import json_loads
from tenant_apps.transfers.codes import TransfersCode

FORMATS = ("csv", "json", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_COLUMNS = 500
MAX_CELL_CHARS = 1_000_000


@dataclass
class Sheet:
    columns: list[str]
    rows: list[dict[str, Any]]


def _bad(message: str, code: ErrorCode = TransfersCode.INVALID_FILE) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={"file": [message]})


def format_of(*, name: str, given: str | None) -> str:
    fmt = (given or Path(name or "").suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValidationFailed(
            "Unsupported file format.",
            code=TransfersCode.UNSUPPORTED_FORMAT,
            fields={"format": [f"One of: {', '.join(FORMATS)} (from the file name or the 'format' field)."]},
        )
    return fmt


def _check_columns(columns: list[str]) -> list[str]:
    names = [str(c).strip() if c is not None else "" for c in columns]
    if not names or all(not n for n in names):
        raise _bad("The file has no header row (column names).")
    if len(names) > MAX_COLUMNS:
        raise _bad(f"At most {MAX_COLUMNS} columns.")
    blank = [str(i + 1) for i, n in enumerate(names) if not n]
    if blank:
        raise _bad(f"Column(s) {', '.join(blank)} have no name in the header row.")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise _bad(f"Repeated column names: {', '.join(repeated)}.")
    return names


def _limit_rows(count: int) -> None:
    limit = settings.NOCODE["IMPORT_MAX_ROWS"]
    if count > limit:
        raise ValidationFailed(
            f"At most {limit} rows per import.",
            code=TransfersCode.TOO_MANY_ROWS,
            fields={"file": [f"More than {limit} rows."]},
        )


def _read_csv(data: bytes) -> Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _bad("CSV files must be UTF-8 encoded.") from None
    if "\x00" in text:
        raise _bad("The file contains NUL characters; is it really a CSV file?")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader, None)
        if header is None:
            raise _bad("The file is empty.")
        columns = _check_columns(header)
        rows: list[dict[str, Any]] = []
        for line in reader:
            if not any(cell.strip() for cell in line):
                continue
            if len(line) > len(columns):
                raise _bad(f"Data row {len(rows) + 1} has {len(line)} cells; the header has {len(columns)}.")
            rows.append(dict(zip(columns, line + [""] * (len(columns) - len(line)), strict=True)))
            _limit_rows(len(rows))
    except csv.Error as exc:
        raise _bad(f"Not a valid CSV file: {exc}.") from None
    return Sheet(columns, rows)


def _read_json(data: bytes) -> Sheet:
    try:
        value = json_loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad(f"Not a valid JSON file: {exc}.") from None
    if isinstance(value, dict) and set(value) == {"records"}:
        value = value["records"]
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise _bad('A JSON import is a list of objects, or {"records": [...]}.')
    _limit_rows(len(value))
    columns: dict[str, None] = {}
    for row in value:
        for key in row:
            columns.setdefault(key, None)
    return Sheet(_check_columns(list(columns)), value)


def _cell(cell: Any) -> Any:
    """A sheet cell's value: whole floats as ints, date-formatted cells as dates (a spreadsheet stores every date
    as a date-time), times as text."""
    value = getattr(cell, "value", None)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        from openpyxl.styles.numbers import is_datetime

        number_format = getattr(cell, "number_format", None) or ""
        return value.date() if is_datetime(number_format) == "date" else value
    if isinstance(value, time):
        return value.isoformat()
    return value


def _read_xlsx(data: bytes) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 (openpyxl raises many kinds: zip, xml, key errors)
        raise _bad(f"Not a valid XLSX file: {type(exc).__name__}.") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise _bad("The workbook has no sheet.")
        lines = ([_cell(cell) for cell in line] for line in sheet.iter_rows())
        header = next(lines, None)
        if header is None:
            raise _bad("The first sheet is empty.")
        while header and header[-1] is None:
            header = header[:-1]
        columns = _check_columns(list(header))
        rows: list[dict[str, Any]] = []
        for line in lines:
            cells = list(line[: len(columns)])
            if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
                continue
            if any(cell is not None for cell in line[len(columns) :]):
                raise _bad(f"Data row {len(rows) + 1} has values outside the named columns.")
            cells += [None] * (len(columns) - len(cells))
            rows.append(dict(zip(columns, cells, strict=True)))
            _limit_rows(len(rows))
    finally:
        workbook.close()
    return Sheet(columns, rows)


def sheet_read(*, data: bytes, fmt: str) -> Sheet:
    sheet = {"csv": _read_csv, "json": _read_json, "xlsx": _read_xlsx}[fmt](data)
    if not sheet.rows:
        raise _bad("The file has no data rows.")
    return sheet


# --- writing --------------------------------------------------------------------------------------------------------


def iso_datetime(value: datetime) -> str:
    """A date-time as the API writes it: ISO 8601 in UTC with `Z` (`2024-05-01T12:30:00Z`)."""
    text = (value.astimezone(UTC) if value.tzinfo is not None else value).isoformat()
    return text.removesuffix("+00:00") + "Z"


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=_json_default, ensure_ascii=False)
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime):  # spreadsheets have no time zones: UTC, as the API shows them
        return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str, ensure_ascii=False)
    if isinstance(value, (int, float, Decimal, date, bool, str)) or value is None:
        return value
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def sheet_write(*, path: Path, fmt: str, columns: list[str], rows: Iterable[dict[str, Any]]) -> int:
    """Write `rows` (dicts keyed by `columns`) to `path`; returns the number of rows."""
    count = 0
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_text(row.get(c)) for c in columns])
                count += 1
    elif fmt == "json":
        with path.open("w", encoding="utf-8") as out:
            out.write("[")
            for row in rows:
                out.write(("," if count else "") + "\n" + json.dumps(row, default=_json_default, ensure_ascii=False))
                count += 1
            out.write("\n]\n")
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        from openpyxl.cell import WriteOnlyCell

        sheet = workbook.create_sheet("records")
        sheet.append(columns)
        for row in rows:
            cells = []
            for column in columns:
                cell = WriteOnlyCell(sheet, value=_xlsx_value(row.get(column)))
                if cell.data_type == "f":  # text starting with "=" is data, never a formula (formula injection)
                    cell.data_type = "s"
                cells.append(cell)
            sheet.append(cells)
            count += 1
        workbook.save(str(path))
    return count


def chunked(rows: list[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    for start in range(0, len(rows), size):
        yield start, rows[start : start + size]


def read_upload(upload: IO[bytes]) -> bytes:
    return upload.read()
