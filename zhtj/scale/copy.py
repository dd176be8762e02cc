"""Rows into PostgreSQL with COPY: the fastest set-based write there is, for the generator.

A `Table` names the model fields a caller supplies per row; every other column gets its Django
default once (computed a single time, not per row), so the rows stay short and the columns stay
in step with the models.
"""

import io
import json
from datetime import date, datetime

from django.db import connection
from django.db.models import NOT_PROVIDED

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def text(value):
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).translate(_ESCAPES)
    return str(value)


class Table:
    CHUNK = 50_000

    def __init__(self, model, fields):
        self.model = model
        self.fields = list(fields)
        meta = model._meta
        given = set(self.fields)
        self.columns = [meta.get_field(f).column for f in self.fields]
        rest = []
        for field in meta.concrete_fields:
            if field.attname in given or field.name in given:
                continue
            if (field.primary_key and field.name == "id") or getattr(field, "generated", False):
                continue  # the identity column numbers the rows; the database computes generated ones
            self.columns.append(field.column)
            rest.append(text(self._default(field)))
        self.tail = ("\t" + "\t".join(rest)) if rest else ""
        self.count = 0
        self._buffer = []

    @staticmethod
    def _default(field):
        if field.default is not NOT_PROVIDED:
            return field.get_default()
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return datetime.now().astimezone()
        if field.null:
            return None
        return field.get_default()  # "" for text fields

    def add(self, *values):
        self._buffer.append("\t".join(map(text, values)) + self.tail)
        if len(self._buffer) >= self.CHUNK:
            self.flush()

    def flush(self):
        if not self._buffer:
            return
        data = io.StringIO("\n".join(self._buffer) + "\n")
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {self.model._meta.db_table} ({', '.join(self.columns)}) FROM STDIN", data)
        self.count += len(self._buffer)
        self._buffer = []


def insert_select(model, exprs, rest, params=None):
    """`INSERT INTO model's table (…) SELECT exprs…, defaults… rest`: rows made inside PostgreSQL
    (the generator's people, from generate_series), every column the caller doesn't give set to its
    Django default as `Table` does. `exprs` maps field names to SQL, whose parameters are named
    (`%(name)s`, from `params`); returns the row count."""
    meta = model._meta
    columns = [meta.get_field(f).column for f in exprs]
    values = list(exprs.values())
    params = dict(params or {})
    for field in meta.concrete_fields:
        if field.name in exprs or field.attname in exprs:
            continue
        if (field.primary_key and field.name == "id") or getattr(field, "generated", False):
            continue  # the identity column numbers the rows; the database computes generated ones
        default = Table._default(field)
        key = f"_default_{field.column}"
        params[key] = json.dumps(default, ensure_ascii=False) if isinstance(default, dict | list) else default
        columns.append(field.column)
        values.append(f"%({key})s")
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} {rest}", params)
        return cursor.rowcount
