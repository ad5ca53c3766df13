"""One base class for the tools' own failures, so every front end prints them as one line.

A user of `tox -e up` or `labctl` needs to read what went wrong and what to do, not a Python
traceback; anything that is not a KindlabError is a bug and keeps its traceback.
"""


class KindlabError(Exception):
    """A failure the tools can explain: the message says what failed and what to do."""
