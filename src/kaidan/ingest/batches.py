"""How a converted batch of an import reaches the revision writer when rows are matched by key.

`claim_keys` checks a clean batch's keys on the key column alone (no row tuples); `write_batch` inserts or
updates rows one by one against the stored rows with the same key (the path of row scopes, partial column
sets and small imports; big unscoped upserts are set-based in `RevisionWriter.upsert_staged`).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from kaidan.catalog.models import Dataset, Field
from kaidan.store.relation import VisibleRelation
from kaidan.store.services import RevisionWriter, read_alive_by
from kaidan.store.values import row_hash, to_json


def as_list(column: Any) -> list[Any]:
    return column.to_pylist() if isinstance(column, pa.Array) else list(column)


def claim_keys(column: Any, numbers: list[int], keys_seen: dict[Any, int]) -> bool:
    """True, with the keys recorded in ``keys_seen``, when every key of the batch is non-empty, unique and
    not seen before — exactly when the row-by-row checks below would refuse none; False (nothing
    recorded) otherwise, and those checks run."""
    values = as_list(column)
    if set(map(type, values)) <= {int, str}:
        keys = values
    else:
        keys = [to_json(v) for v in values]
        if any(k is None for k in keys):
            return False
    distinct = set(keys)
    if len(distinct) != len(keys) or not keys_seen.keys().isdisjoint(distinct):
        return False
    keys_seen.update(zip(keys, numbers, strict=True))
    return True


def write_batch(
    writer: RevisionWriter,
    dataset: Dataset,
    fields: list[Field],
    key_field: Field,
    batch: list[tuple[Any, ...]],
    position: dict[int, int],
    file_fields: list[Field],
    scope: VisibleRelation | None,
) -> list[int]:
    """Insert or update the batch's rows by key; return the indexes of rows refused by the edit scope.

    With a scope, a row is written only when the stored row (if any) and the row as it would be written
    are both inside it; the refusal is the same whatever the stored row holds."""
    if not batch:
        return []
    key_pos = position[key_field.pk]
    existing = read_alive_by(dataset, fields, key_field, [values[key_pos] for values in batch])
    in_file = {position[f.pk] for f in file_fields}
    refused: list[int] = []
    for index, values in enumerate(batch):
        found = existing.get(to_json(values[key_pos]))
        if found is None:
            if scope is not None and not scope.contains(values, fields):
                refused.append(index)
                continue
            writer.insert(values)
            continue
        row_id, stored_hash, old = found
        new = [values[i] if i in in_file else old[i] for i in range(len(fields))]
        if scope is not None and not (scope.contains(old, fields) and scope.contains(new, fields)):
            refused.append(index)
            continue
        if row_hash(new) != stored_hash:
            writer.update(row_id, old, new)
    return refused
