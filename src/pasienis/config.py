"""Settings from ``PASIENIS_*`` environment variables.

One :class:`Settings` object is built by ``create_app()`` or the CLI and passed down; nothing
reads the environment or connects at import time. Every field has a default and help text, and
``docs/configuration.md`` must list them all (a test checks it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Page sizes SQLite accepts that suit a store (smaller ones only cost more pages).
SQLITE_PAGE_SIZES = (4096, 8192, 16384, 32768, 65536)


class Settings(BaseSettings):
    """All run-time configuration of pasienis."""

    model_config = SettingsConfigDict(env_prefix="PASIENIS_", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="Directory for the embedded database, uploads and the assembled schema.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the store. Empty means the embedded SQLite file "
            "<data_dir>/pasienis.db; use postgresql+psycopg://user@host/db for production."
        ),
    )
    schema_dir: Path | None = Field(
        default=None,
        description=(
            "Extra folder of administrator-written FollowTheMoney schema YAML files, loaded "
            "after the standard and customs schemata."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Address `pasienis serve` listens on.")
    port: int = Field(default=8000, description="Port `pasienis serve` listens on.")
    ingest_port: int = Field(
        default=8001,
        description="Port `pasienis serve-ingest` (the position-ingest-only process) listens on.",
    )
    log_level: str = Field(default="info", description="Log level: debug, info, warning, error.")
    bulk_batch_size: int = Field(
        default=50_000,
        description="Rows per batch when bulk-writing statements and events.",
    )
    # --- risk -----------------------------------------------------------------------------------
    risk_rules: Path | None = Field(
        default=None,
        description="The active risk rule file (YAML); empty means the example set shipped "
        "with pasienis (pasienis/risk/rulesets/customs_default.yml).",
    )
    # --- ops: units, devices, positions, tasks, delivery -------------------------------------
    ops_upload_dir: Path | None = Field(
        default=None,
        description="Where task attachments are stored (outside any web root); "
        "empty means <data_dir>/uploads.",
    )
    ops_public_url: str | None = Field(
        default=None,
        description="Base URL devices reach the server at, printed by `pasienis devices add`; "
        "empty means http://<host>:<port>.",
    )
    ops_max_accuracy_m: float = Field(
        default=100.0, description="Fixes with a worse reported accuracy (metres) are flagged."
    )
    ops_max_speed_kmh: float = Field(
        default=300.0,
        description="A jump from the last good fix faster than this (km/h) is flagged implausible.",
    )
    ops_future_tolerance_s: float = Field(
        default=120.0,
        description="Fixes timestamped more than this many seconds in the future are flagged.",
    )
    ops_position_retention_days: int = Field(
        default=90, description="Positions older than this are removed by `pasienis units purge`."
    )
    ops_ack_timeout_minutes: float = Field(
        default=5.0,
        description="A task assigned but not acknowledged for this long is escalated.",
    )
    ops_escalation_interval_s: float = Field(
        default=30.0, description="How often the escalation loop in the server looks for tasks."
    )
    ops_escalation_reassign: bool = Field(
        default=True,
        description="Escalation re-assigns to the next best available unit when there is one "
        "(otherwise it only alerts the dispatcher).",
    )
    ops_delivery_retry_s: float = Field(
        default=10.0,
        description="Unacknowledged messages to a connected device are re-sent after this long.",
    )
    ops_delivery_poll_s: float = Field(
        default=2.0,
        description="How often the server checks the outbox for messages written by another "
        "process (the CLI, a second server) and wakes the connected devices.",
    )
    ops_mqtt_enabled: bool = Field(
        default=False,
        description="Run the MQTT bridge (OwnTracks positions in, task messages out) "
        "in the server.",
    )
    ops_redis_url: str | None = Field(
        default=None,
        description="Redis URL (redis://host:6379/0) shared by all server workers and hosts: "
        "task wake-ups, live dispatcher events and credential revocations reach every worker "
        "through its pub/sub channel. Unset: one worker (other processes' tasks are found by "
        "the outbox watch).",
    )
    ops_mqtt_url: str = Field(
        default="mqtt://127.0.0.1:1883",
        description="Broker URL of the MQTT bridge: mqtt://[user:password@]host:port.",
    )
    # --- geo: the base map of the browser maps ------------------------------------------------
    map_tile_url: str | None = Field(
        default=None,
        description=(
            "Raster tile URL template of the base map, e.g. https://tiles.example/{z}/{x}/{y}.png "
            "(an in-house tile server). Empty: a .pmtiles/.mbtiles file in <data_dir>/maps, "
            "else the offline fallback (borders, roads, towns, checkpoints)."
        ),
    )
    map_tile_attribution: str = Field(
        default="© OpenStreetMap contributors",
        description="Attribution shown on the map for the configured tiles.",
    )
    map_tile_max_zoom: int = Field(
        default=18, ge=1, le=22, description="Highest zoom level of the configured tile URL."
    )
    map_roads_file: Path | None = Field(
        default=None,
        description=(
            "OSM extract (.osm or .osm.pbf) whose main roads the fallback base map draws. "
            "Empty: the extract the routing tiles were built from, if any."
        ),
    )
    # --- geo: road routing (Valhalla tiles) and the great-circle fallback ---------------------
    routing_tiles_dir: Path | None = Field(
        default=None,
        description=(
            "Folder of Valhalla routing tiles built by `pasienis routing build`. Empty means "
            "<data_dir>/routing/tiles. Without tiles, ETAs are great-circle estimates."
        ),
    )
    routing_detour_factor: float = Field(
        default=1.3,
        gt=0,
        description="Great-circle fallback: road distance = geodesic distance times this factor.",
    )
    routing_speed_kmh: float = Field(
        default=60.0,
        gt=0,
        description="Great-circle fallback: average road speed in km/h used for the ETA.",
    )
    routing_costing: str = Field(
        default="auto",
        description="Valhalla costing model for ETAs: auto, truck, motorcycle, bicycle...",
    )

    # --- security: sign-in, sessions, tokens, OIDC, web hardening -----------------------------
    session_cookie_name: str = Field(
        default="pasienis_session", description="Name of the browser session cookie."
    )
    session_ttl_minutes: int = Field(
        default=480, gt=0, description="A browser session expires this many minutes after sign-in."
    )
    cookie_secure: bool = Field(
        default=True,
        description="Mark session and CSRF cookies Secure (sent over HTTPS only). Turn off only "
        "for plain-HTTP development on 127.0.0.1.",
    )
    login_max_failures_account: int = Field(
        default=5, gt=0, description="Failed sign-ins within the window that lock an account."
    )
    login_max_failures_ip: int = Field(
        default=20, gt=0, description="Failed sign-ins within the window that block an address."
    )
    login_window_minutes: int = Field(
        default=15,
        gt=0,
        description="Window for counting failed sign-ins; a lock-out lasts until the failures "
        "age out of it.",
    )
    password_min_length: int = Field(
        default=12, ge=8, description="Minimum length of a new password."
    )
    cors_allow_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser (CORS). "
        "Empty: same origin only.",
    )
    max_body_bytes: int = Field(
        default=50 * 1024 * 1024,
        gt=0,
        description="Requests with a larger body are refused with 413.",
    )
    upload_dir: Path | None = Field(
        default=None,
        description="Where uploaded files are kept, outside any web root; empty means "
        "<data_dir>/uploads.",
    )
    default_classification: str = Field(
        default="restricted",
        description="Classification given to a dataset registered without one "
        "(public, restricted, confidential, secret).",
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="OpenID Connect issuer URL; set it (with client id) to offer single sign-on.",
    )
    oidc_client_id: str | None = Field(default=None, description="OpenID Connect client id.")
    oidc_client_secret: str | None = Field(
        default=None, description="OpenID Connect client secret (confidential client)."
    )
    oidc_redirect_url: str | None = Field(
        default=None,
        description="Callback URL registered at the provider, e.g. "
        "https://pasienis.example/api/auth/oidc/callback.",
    )
    oidc_scopes: str = Field(default="openid profile email", description="Scopes requested.")
    oidc_username_claim: str = Field(
        default="preferred_username",
        description="ID-token claim naming the local account an identity is linked to on its "
        "first sign-in (only with oidc_link_on_first_sign_in); sign-in itself matches "
        "(iss, sub). Accounts are not created automatically.",
    )
    api_token_ttl_days: int = Field(
        default=90,
        gt=0,
        description="An API token expires this many days after it was issued (also tokens "
        "issued before this setting existed or with a longer expiry); issue a new one then.",
    )
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Browser origins (scheme://host[:port]) besides the server's own, "
        "ops_public_url and cors_allow_origins that may send cookie-authenticated unsafe "
        "requests and open the dispatcher WebSocket (e.g. the public name behind a proxy "
        "that rewrites Host).",
    )
    ws_recheck_seconds: float = Field(
        default=30.0,
        gt=0,
        description="An open WebSocket re-checks its session, token or device credential this "
        "often, so a change made by another process (CLI, another worker) closes it; changes "
        "made through this process's API close it at once.",
    )
    oidc_link_on_first_sign_in: bool = Field(
        default=False,
        description="Link an OpenID identity (iss, sub) seen for the first time to the local "
        "account named by oidc_username_claim, if that account has no identity of this issuer "
        "yet. Off: an administrator links identities (pasienis users link-oidc). Turn on only "
        "if the provider guarantees that claim is unique and cannot be chosen by users.",
    )
    # --- security: audit anchors (docs/security.md, "Audit anchor") -------------------------
    audit_anchor_dir: Path | None = Field(
        default=None,
        description="Directory of the signed, append-only audit anchor file "
        "(audit-anchors.jsonl); put it where the database cannot reach (another disk, a "
        "write-once mount). Empty means <data_dir>/audit-anchors.",
    )
    audit_anchor_key: str | None = Field(
        default=None,
        description="HMAC key that signs audit anchors (same on every server). Empty means a "
        "random key kept in <data_dir>/audit-anchor.key, created on first use.",
    )
    audit_anchor_interval_s: float = Field(
        default=300.0,
        ge=0,
        description="The server anchors the audit chain head this often (seconds) when it "
        "moved; 0 turns periodic anchoring off (`pasienis audit anchor` still works).",
    )
    audit_anchor_syslog: str | None = Field(
        default=None,
        description="Also send each anchor as a syslog line: a socket path (/dev/log) or "
        "host:port (UDP) of a log host. Empty: no syslog.",
    )
    # --- security: retention (docs/security.md, "Retention") --------------------------------
    retention_review_days: int = Field(
        default=365,
        ge=1,
        description="Default interval between reviews of a retention policy (days): each "
        "dataset's and table's period is reviewed at least this often.",
    )
    # --- ingest: imports ----------------------------------------------------------------------
    ingest_batch_records: int = Field(
        default=50_000,
        description="Source records per import batch; each batch commits atomically with the "
        "run's checkpoint, so an interrupted import resumes from the last batch. Large batches "
        "amortise SQLite's commit and checkpoint cost (5,000 → 50,000 tripled event writes).",
    )
    ingest_defer_indexes_from: int = Field(
        default=100_000,
        description="An import of at least this many records into tables holding fewer rows "
        "loads without their secondary indexes and rebuilds them sorted at the end (SQLite: 1M "
        "crossings load at 117k rows/s without them vs 42k with them, plus 5 s to rebuild). "
        "Readers get correct but slower answers meanwhile; 0 turns this off.",
    )
    ingest_writer_process_from: int = Field(
        default=100_000,
        description="An import of at least this many records writes its batches from a child "
        "process, so that mapping and writing use two cores (a writer thread shares the GIL "
        "with the mapping); smaller imports write from a thread. 0 means always a thread.",
    )
    ingest_writer_commit_rows: int = Field(
        default=250_000,
        ge=0,
        description="The import's writer process commits after the batch that brings its "
        "transaction to this many rows (events and statements), not after every batch: each "
        "commit writes every page the transaction changed to the WAL, and rows on hash keys "
        "change pages all over their primary-key indexes (1M crossings: load 1.0-1.3 s "
        "faster with four batches a transaction). Each batch still advances the run's "
        "checkpoint with its rows, so a killed import resumes after the last commit; other "
        "writers of the store wait for up to one such transaction. 0: a commit per batch.",
    )
    ingest_cache_entries: int = Field(
        default=200_000,
        description="Entries per generation of each per-run import cache (raw values → entity "
        "ids, cleaned values, entities written): memory stays bounded whatever the file size; "
        "a register with more distinct people or vehicles than this recomputes the ones it has "
        "not seen for a while and writes their statements again (upserts that change nothing).",
    )
    ingest_max_quarantine_share: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="An import whose quarantined records and values exceed this share of its "
        "records ends with a non-zero exit code (CLI) and ok=false (API): a wrong date format "
        "or a mistyped column must not pass as a successful import. 1 turns the check off.",
    )
    ingest_check_sample_records: int = Field(
        default=1_000,
        ge=1,
        description="Records of a JSON or XML file read before an import to check that every "
        "path the mapping reads finds values (CSV and Excel are checked against the header).",
    )
    ingest_upload_dir: Path | None = Field(
        default=None,
        description="Where files uploaded to POST /api/imports are kept for the import and for "
        "quarantine retries; empty means <data_dir>/imports.",
    )

    # --- documents: reports, e-mails, archives, OCR ------------------------------------------
    documents_dir: Path | None = Field(
        default=None,
        description="Where originals of ingested documents are kept, content-addressed by "
        "SHA-256 and never modified; empty means <data_dir>/documents.",
    )
    documents_dataset: str = Field(
        default="documents",
        description="Dataset (compartment) documents are ingested into when none is given.",
    )
    documents_max_depth: int = Field(
        default=4,
        description="Deepest nesting of archives and e-mail attachments that is unpacked; a "
        "member below it is recorded as failed with the reason.",
    )
    documents_max_members: int = Field(
        default=10_000,
        description="Most members unpacked from one file given (all levels together); the "
        "rest are reported, not silently dropped.",
    )
    documents_max_total_mb: int = Field(
        default=1024,
        description="Most MiB unpacked from one file given (all levels together): the guard "
        "against decompression bombs.",
    )
    documents_max_ratio: int = Field(
        default=200,
        description="Largest compression ratio accepted for one archive member; a member that "
        "expands more is refused as a likely bomb.",
    )
    documents_ocr: bool = Field(
        default=True,
        description="Run Tesseract on scanned PDFs and images; when off or when tesseract is "
        "not installed such documents are stored with status needs_ocr.",
    )
    documents_ocr_languages: str = Field(
        default="lit+rus+eng",
        description="Tesseract language data used for OCR (installed traineddata names).",
    )
    documents_ner: bool = Field(
        default=True,
        description="Find names not yet in the store (natasha for Russian, a capitalisation "
        "rule for English and Lithuanian); off leaves only names matched against the store.",
    )
    documents_spacy_model: str | None = Field(
        default=None,
        description="Name of an installed spaCy pipeline used for unknown names in its "
        "language instead of the built-in rule (never downloaded at run time).",
    )

    sqlite_cache_mb: int = Field(
        default=256,
        description="SQLite page cache per connection, in MiB. Imports insert into indexes on "
        "random (hash) keys; a cache that holds those indexes keeps the writes in memory.",
    )
    sqlite_page_size: int = Field(
        default=16384,
        description="Page size, in bytes, of a new SQLite store (an existing file keeps its "
        "own). Imports write a million rows in a few hundred megabytes; larger pages mean "
        "fewer pages to write and checkpoint (docs/benchmarks.md).",
    )
    audit_require_purpose: bool = Field(
        default=False,
        description="Require a stated purpose (X-Purpose header or purpose query parameter) "
        "on every read of personal data by an analyst; a read without one is refused with "
        "400 (purpose-required) and the refusal is audited (LED Art. 25: who, what, when, why).",
    )
    # --- graph: projection, co-travel -------------------------------------------------------
    graph_shared_value_max: int = Field(
        default=25,
        ge=2,
        description="Entities sharing one phone, address, e-mail, IBAN or identifier are linked "
        "pairwise only up to this many; a value shared more widely (a call centre, a business "
        "centre) links nobody (docs/graph.md).",
    )
    graph_refresh_interval_s: float = Field(
        default=2.0,
        ge=0,
        description="Seconds between checks of the change log (bus) for imports, resolver "
        "decisions and retractions to apply to the in-memory graph projection.",
    )
    graph_cotravel_window_s: int = Field(
        default=900,
        ge=10,
        description="Co-travel: the follower must pass the same camera within this many seconds "
        "after the leader.",
    )

    search_require_purpose: bool = Field(
        default=False,
        description="Refuse a search (400) that states no purpose (X-Purpose header or "
        "purpose parameter); every search is audited either way.",
    )
    search_index_interval_s: float = Field(
        default=2.0,
        description="How often the server indexes entities of newly completed imports for "
        "search (it follows import.completed on the bus with a stored cursor); 0 turns it off.",
    )
    watch_name_threshold: float = Field(
        default=0.88,
        description="Lowest name score (0..1, pasienis.model.names) that raises a watchlist "
        "alert for a person or company; measured in docs/benchmarks.md.",
    )
    watch_import_datasets: str = Field(
        default="scenario_watchlist",
        description="Comma-separated datasets whose imported entities form watchlists (one "
        "watchlist per dataset, entries synced after each import).",
    )
    watch_screen_interval_s: float = Field(
        default=1.0,
        description="How often the server screens newly completed imports against the "
        "watchlists (cursor stored with the alerts, so none is lost or repeated); 0 turns it off.",
    )
    watch_ws_poll_s: float = Field(
        default=0.5,
        description="How often the alerts WebSocket looks for new alerts written by any process.",
    )
    watch_mqtt_enabled: bool = Field(
        default=False,
        description="Subscribe to live plate reads from camera systems over MQTT.",
    )
    watch_mqtt_url: str = Field(
        default="mqtt://127.0.0.1:1883",
        description="MQTT broker for live plate reads (mqtt://user:password@host:port).",
    )
    watch_mqtt_topic: str = Field(
        default="pasienis/plates/+/reads",
        description="Topic filter of live plate reads; the + level is the camera source id.",
    )

    @field_validator("ops_mqtt_url", "watch_mqtt_url")
    @classmethod
    def _mqtt_url(cls, value: str) -> str:
        mqtt_broker_args(value)
        return value

    @field_validator("sqlite_page_size")
    @classmethod
    def _page_size(cls, value: int) -> int:
        if value not in SQLITE_PAGE_SIZES:
            raise ValueError(f"must be one of {', '.join(map(str, SQLITE_PAGE_SIZES))}")
        return value

    def resolved_database_url(self) -> str:
        """The database URL to connect to, defaulting to the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'pasienis.db').resolve()}"


def mqtt_broker_args(url: str) -> dict[str, Any]:
    """``aiomqtt.Client`` keyword arguments from ``mqtt://[user:password@]host:port``."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "tcp", ""):
        raise ValueError(f"unsupported MQTT URL {url!r}: use mqtt://[user:password@]host:port")
    return {
        "hostname": parts.hostname or "127.0.0.1",
        "port": parts.port or 1883,
        "username": parts.username,
        "password": parts.password,
    }
