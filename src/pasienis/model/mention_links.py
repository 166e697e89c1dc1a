"""The link from a mention in a document to the entity it names: ``document -mentions-> entity``.

Why here, beside the statements and the resolver, and not in ``documents``: the link is a fact
of the entity model that several capabilities read — the graph turns it into edges with their
evidence, the documents API shows it — while capabilities never read each other's tables.
The documents capability writes it (its linker and the analysts' judgements); the resolver
decides identity (``entity_id`` is a source entity; read its canonical id through
``resolver``, so merges and splits show at once).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Index, Integer, String, Table, Text

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

#: Statuses: the linker's ``linked`` / ``unlinked``; an analyst's ``confirmed`` / ``rejected``.
LINKED_STATUSES = ("linked", "confirmed")
STATUSES = ("linked", "unlinked", "confirmed", "rejected")

mention_links = Table(
    "mention_links",
    metadata,
    Column("mention_id", String(64), primary_key=True, comment="entity id of the Mention"),
    Column("document_id", String(64), nullable=False, index=True),
    Column("dataset", String(64), nullable=False, comment="the document's dataset"),
    Column("kind", String(24), nullable=False, comment="person, company, plate, phone, ..."),
    Column("status", String(16), nullable=False, comment="linked, unlinked, confirmed, rejected"),
    Column(
        "entity_id",
        String(128),
        nullable=True,
        index=True,
        comment="a source entity of the linked entity; empty when unlinked",
    ),
    Column("score", Float, nullable=False, comment="0..1: how sure the link is"),
    Column("page", Integer, nullable=True, comment="1-based page, when paged"),
    Column("start_offset", Integer, nullable=False, comment="character offset in the text"),
    Column("end_offset", Integer, nullable=False),
    Column("text", Text, nullable=False, comment="as written in the document"),
    Column("evidence", JSON, nullable=False, comment="rule, candidates, context, judgement"),
    Column("judgement_id", String(32), nullable=True, comment="the analyst's, when judged"),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("ix_mention_links_status_entity", mention_links.c.status, mention_links.c.entity_id)
