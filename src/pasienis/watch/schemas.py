"""API shapes of watchlists, entries, alert actions and live plate reads."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

EntryKind = Literal["person", "company", "vehicle", "phone"]
IdentifierType = Literal["plate", "phone", "iban", "identifier", "email"]


class Identifier(BaseModel):
    type: IdentifierType
    value: str = Field(min_length=1, max_length=128)


class WatchlistCreate(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    dataset: str = Field(min_length=1, max_length=64, description="compartment of the entries")
    description: str | None = Field(default=None, max_length=2000)


class EntryCreate(BaseModel):
    """A listed person, company, vehicle or phone, with why, whose, how long, how urgent."""

    kind: EntryKind
    name: str | None = Field(default=None, max_length=300)
    identifiers: list[Identifier] = Field(default_factory=list, max_length=20)
    birth_date: date | None = None
    country: str | None = Field(default=None, max_length=8)
    reason: str = Field(min_length=1, max_length=2000)
    owner: str | None = Field(default=None, max_length=128)
    priority: int = Field(default=2, ge=1, le=5, description="1 is the most urgent")
    valid_from: date | None = None
    valid_to: date | None = None

    @model_validator(mode="after")
    def _something_to_match(self) -> EntryCreate:
        if not (self.name and self.name.strip()) and not self.identifiers:
            raise ValueError("an entry needs a name or at least one identifier")
        if self.kind in {"vehicle", "phone"} and not self.identifiers:
            raise ValueError(f"a {self.kind} entry needs an identifier (plate or phone)")
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValueError("valid_from is after valid_to")
        return self


class EntryUpdate(BaseModel):
    """Fields to change; the others stay."""

    name: str | None = Field(default=None, max_length=300)
    reason: str | None = Field(default=None, min_length=1, max_length=2000)
    owner: str | None = Field(default=None, max_length=128)
    priority: int | None = Field(default=None, ge=1, le=5)
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool | None = None


class AlertAction(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class PlateReadIn(BaseModel):
    """One read from a camera system."""

    plate: str = Field(min_length=1, max_length=32)
    camera_id: str = Field(min_length=1, max_length=64)
    occurred_at: datetime
    read_id: str | None = Field(default=None, max_length=128, description="the camera's own id")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    confidence: float | None = Field(default=None, ge=0, le=1)
    country: str | None = Field(default=None, max_length=8)

    @model_validator(mode="after")
    def _aware(self) -> PlateReadIn:
        if self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at needs a time zone (e.g. 2026-09-01T10:00:00Z)")
        return self
