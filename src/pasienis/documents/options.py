"""How a batch of documents is processed: where originals go, limits, OCR, NER."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pasienis.config import Settings
from pasienis.documents.formats import Budget, OcrOptions

MIB = 1 << 20


@dataclass(frozen=True, slots=True)
class Options:
    """Everything :func:`~pasienis.documents.service.ingest_paths` needs besides the store."""

    root: Path
    dataset: str
    ocr: OcrOptions
    max_depth: int
    max_members: int
    max_total_bytes: int
    max_ratio: int
    ner: bool = True
    spacy_model: str | None = None
    force: bool = False
    #: Datasets whose entities mentions may be linked to (``None``: all, for the operator's
    #: CLI); an upload links only to what the uploader may see, so that no statement in the
    #: documents' dataset points into a compartment its readers were never shown.
    link_datasets: frozenset[str] | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        dataset: str | None = None,
        force: bool = False,
        link_datasets: frozenset[str] | None = None,
    ) -> Options:
        """Options from the settings (``dataset`` overrides the default compartment)."""
        return cls(
            root=Path(settings.documents_dir or Path(settings.data_dir) / "documents"),
            dataset=dataset or settings.documents_dataset,
            ocr=OcrOptions(settings.documents_ocr, settings.documents_ocr_languages),
            max_depth=settings.documents_max_depth,
            max_members=settings.documents_max_members,
            max_total_bytes=settings.documents_max_total_mb * MIB,
            max_ratio=settings.documents_max_ratio,
            ner=settings.documents_ner,
            spacy_model=settings.documents_spacy_model,
            force=force,
            link_datasets=link_datasets,
        )

    def budget(self) -> Budget:
        """A fresh unpacking budget for one file given."""
        return Budget(self.max_depth, self.max_members, self.max_total_bytes, self.max_ratio)
