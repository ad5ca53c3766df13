"""Every JSON answer is JSON: NaN and Infinity are refused at the door, not written out.

Python's json writes float("inf") as the bare word Infinity, which JSON parsers reject. Input
validation (app.jsonbody) keeps such numbers out; this makes any other way one could reach a
response fail loudly (a counted 500) instead of sending a body no client can read.
"""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider


class StrictJSONProvider(DefaultJSONProvider):
    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)
