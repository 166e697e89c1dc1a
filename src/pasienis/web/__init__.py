"""Static browser apps (field PWA, dispatcher console), shared modules, i18n and vendor builds.

Served by the API process under ``/web``; no build step: plain ES modules.
"""

from pathlib import Path

WEB_ROOT = Path(__file__).parent

__all__ = ["WEB_ROOT"]
