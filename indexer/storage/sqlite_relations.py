"""Reads of the relation graph: a document's relations both ways, and what validity is computed from.

The SQL runs on SQLite and on PostgreSQL alike (``?`` marks translated there; NULL ordering spelt out), so the
PostgreSQL store mixes this class in unchanged.

Relations are stored by target number key and resolved here through ``doc_numbers``, so they follow the index
as documents come and go. Every read is narrowed to what the caller may see (``access_sql``): a link to a
document above the caller's clearance is never resolved, and a relation held by such a document never returned.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from indexer.storage.filters import SearchFilter, access_sql
from indexer.storage.records import IncomingLink, RelationLink

INVERSE = {
    "basis": "basis_of",
    "implements": "implemented_by",
    "guides": "guided_by",
    "amends": "amended_by",
    "replaces": "replaced_by",
    "repeals": "repealed_by",
    "consolidates": "consolidated_by",
    "corrects": "corrected_by",
}


class SQLiteRelations:
    """Relation reads; mixed into SQLiteStore."""

    conn: sqlite3.Connection

    def relations_of(self, doc_id: str, flt: SearchFilter) -> list[RelationLink]:
        """Outgoing then incoming relations of one document, as the caller may see them (``flt``'s access part).

        The document itself must already be known visible to the caller (the API checks it first).
        """
        tcond, tparams = access_sql(flt, "t")
        out_rows = self.conn.execute(
            "SELECT r.ordinal, r.kind, r.target_number, r.sentence, r.scope, t.doc_id AS tid, t.title, t.doc_type,"
            " t.issued_date, COALESCE(t.language = s.language, FALSE) AS same_lang FROM relations r"
            " JOIN documents s ON s.doc_id = r.doc_id"
            " LEFT JOIN doc_numbers n ON n.variant = r.target_key AND n.doc_id <> r.doc_id"
            f" LEFT JOIN documents t ON t.doc_id = n.doc_id AND {tcond}"
            " WHERE r.doc_id = ? ORDER BY r.ordinal, t.doc_id IS NULL, same_lang DESC, t.doc_id",
            [*tparams, doc_id],
        ).fetchall()
        links: list[RelationLink] = []
        seen: set[int] = set()
        for r in out_rows:
            if r["ordinal"] in seen:
                continue  # one target per relation: the visible document in the source's language first
            seen.add(r["ordinal"])
            linked = r["tid"] is not None
            links.append(
                RelationLink(
                    kind=r["kind"],
                    direction="out",
                    number=r["target_number"],
                    doc_id=r["tid"] if linked else None,
                    title=r["title"] if linked else None,
                    doc_type=r["doc_type"] if linked else None,
                    issued_date=r["issued_date"] if linked else None,
                    sentence=r["sentence"],
                    scope=r["scope"],
                )
            )
        scond, sparams = access_sql(flt, "s")
        in_rows = self.conn.execute(
            "SELECT DISTINCT r.doc_id AS sid, r.ordinal, r.kind, r.sentence, r.scope, s.number, s.title, s.doc_type,"
            " s.issued_date FROM doc_numbers n JOIN relations r ON r.target_key = n.variant"
            f" JOIN documents s ON s.doc_id = r.doc_id WHERE n.doc_id = ? AND r.doc_id <> ? AND {scond}"
            " ORDER BY s.issued_date NULLS FIRST, r.doc_id, r.ordinal",
            [doc_id, doc_id, *sparams],
        ).fetchall()
        for r in in_rows:
            links.append(
                RelationLink(
                    kind=INVERSE.get(r["kind"], r["kind"] + "_by"),
                    direction="in",
                    number=r["number"],
                    doc_id=r["sid"],
                    title=r["title"],
                    doc_type=r["doc_type"],
                    issued_date=r["issued_date"],
                    sentence=r["sentence"],
                    scope=r["scope"],
                )
            )
        return links

    def incoming_links(self, doc_ids: Sequence[str] | None, flt: SearchFilter) -> dict[str, list[IncomingLink]]:
        """For each document (every one when ``doc_ids`` is None), the relations visible documents hold toward it."""
        scond, sparams = access_sql(flt, "s")
        sql = (
            "SELECT DISTINCT n.doc_id AS target, r.kind, r.doc_id AS sid, s.number, "
            " COALESCE(s.effective_date, s.issued_date) AS eff, r.sentence, r.scope, r.ordinal"
            " FROM doc_numbers n JOIN relations r ON r.target_key = n.variant"
            f" JOIN documents s ON s.doc_id = r.doc_id WHERE r.doc_id <> n.doc_id AND {scond}"
        )
        out: dict[str, list[IncomingLink]] = {}
        ids = list(dict.fromkeys(doc_ids)) if doc_ids is not None else None
        chunks = [ids[i : i + 500] for i in range(0, len(ids), 500)] if ids is not None else [None]
        for part in chunks:
            query, params = sql, list(sparams)
            if part is not None:
                query += f" AND n.doc_id IN ({','.join('?' * len(part))})"
                params.extend(part)
            for r in self.conn.execute(query + " ORDER BY r.doc_id, r.ordinal", params):
                out.setdefault(r["target"], []).append(
                    IncomingLink(r["target"], r["kind"], r["sid"], r["number"], r["eff"], r["sentence"], r["scope"])
                )
        return out

    def docs_related_to(self, doc_id: str, kinds: Sequence[str], flt: SearchFilter) -> list[str]:
        """Visible documents holding a relation of one of ``kinds`` toward ``doc_id`` (e.g. what implements it)."""
        scond, sparams = access_sql(flt, "s")
        marks = ",".join("?" * len(kinds))
        rows = self.conn.execute(
            "SELECT DISTINCT s.doc_id, s.issued_date FROM doc_numbers n JOIN relations r ON r.target_key = n.variant"
            f" JOIN documents s ON s.doc_id = r.doc_id WHERE n.doc_id = ? AND r.doc_id <> ? AND r.kind IN ({marks})"
            f" AND {scond} ORDER BY s.issued_date NULLS FIRST, s.doc_id",
            [doc_id, doc_id, *kinds, *sparams],
        )
        return [str(r[0]) for r in rows]

    def document_dates(self, doc_ids: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
        """(effective_date, expiry_date) of each document."""
        out: dict[str, tuple[str | None, str | None]] = {}
        ids = list(dict.fromkeys(doc_ids))
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = self.conn.execute(
                f"SELECT doc_id, effective_date, expiry_date FROM documents WHERE doc_id IN ({marks})", part
            )
            out.update({r[0]: (r[1], r[2]) for r in rows})
        return out
