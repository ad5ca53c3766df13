import json
import logging
import logging.config
import sys

import pytest

from app.logs import JsonFormatter, configure_logging, gunicorn_logconfig


def record(msg="hello", exc_info=None, **extra):
    rec = logging.makeLogRecord({"name": "t", "levelname": "WARNING", "msg": msg, **extra})
    rec.exc_info = exc_info
    return rec


def test_formatter_emits_one_json_line_with_extras():
    line = JsonFormatter().format(record("x=%s", args=(5,), event="drain", n=2))
    entry = json.loads(line)
    assert (entry["msg"], entry["level"], entry["logger"]) == ("x=5", "WARNING", "t")
    assert (entry["event"], entry["n"]) == ("drain", 2)
    assert entry["ts"].endswith("+00:00")


def test_exceptions_stay_on_one_line():
    try:
        raise ValueError("bad")
    except ValueError:
        line = JsonFormatter().format(record(exc_info=sys.exc_info()))
    assert "\n" not in line
    assert "ValueError: bad" in json.loads(line)["exc_info"]


def test_configure_logging_is_idempotent():
    for _ in range(3):
        logger = configure_logging("kindlab-test-logger", "WARNING")
    assert len(logger.handlers) == 1
    assert logger.level == logging.WARNING
    assert not logger.propagate


@pytest.fixture
def restore_logging():
    loggers = [logging.getLogger(n) for n in ("", "gunicorn.error", "gunicorn.access")]
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate) for lg in loggers]
    yield
    for logger, handlers, level, propagate in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


def test_gunicorn_logconfig_is_valid_and_silences_duplicate_access_lines(capsys, restore_logging):
    logging.config.dictConfig(gunicorn_logconfig("INFO"))
    logging.getLogger("gunicorn.error").info("booted")
    logging.getLogger("gunicorn.access").info("duplicate")
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["msg"] for x in lines] == ["booted"]
