"""kindlab's Flask microservice. Run it with gunicorn: `gunicorn -c app/gunicorn.conf.py`."""

from app.factory import create_app

__all__ = ["create_app"]
