"""The REST API (FastAPI): thin routers that validate, call the domain and respond.

``create_app(db_url)`` builds the application used by ``citynexus serve``; the OpenAPI
description is at ``/docs``.
"""

from citynexus.api.app import create_app

__all__ = ["create_app"]
