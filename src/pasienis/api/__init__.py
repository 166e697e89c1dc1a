"""The web API: FastAPI app factory and thin routers over the capabilities."""

from pasienis.api.app import create_app

__all__ = ["create_app"]
