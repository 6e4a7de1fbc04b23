"""No headline, article text or page URL reaches the logs, and nothing from ``/score`` is stored."""

from __future__ import annotations

import io
import logging
import os
import time
import uuid
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel, ValidationError, field_validator
from service_server import running_service

from service.privacy import REDACTED, RedactingFilter, install_log_redaction

#: Unique words that appear in no log line unless request data leaks.
MARK = uuid.uuid4().hex[:10]
HEADLINE = f"Zorblax{MARK} senator reveals shocking secret"
PAGE_URL = f"https://private-news.example/story-{MARK}?reader=quux{MARK}"
MARKERS = [f"Zorblax{MARK}", f"story-{MARK}", f"quux{MARK}", MARK]
BODY = f"The council met on Monday. Quorblat{MARK} said the vote was close. Fares will rise."
MARKERS = [*MARKERS, f"Quorblat{MARK}"]
#: Access lines the server must have written for the ``/score*`` and ``/compare`` requests the fixture sends.
ACCESS_LINES = 10
COMPARE_LINES = 2


@pytest.fixture(scope="module")
def served(tiny_artifact, tmp_path_factory):
    """A server that was sent the markers in every way a client could, then stopped."""
    workdir = tmp_path_factory.mktemp("privacy-service")
    with running_service(tiny_artifact, workdir) as server:
        url = server.url
        page = {"Referer": PAGE_URL, "X-Page-Url": PAGE_URL}
        answers = [
            httpx.post(f"{url}/score", json={"headlines": [HEADLINE, HEADLINE], "explain": True}, headers=page),
            httpx.post(f"{url}/score", json={"headlines": [HEADLINE]}, params={"url": PAGE_URL}),
            # Invalid requests: their error reports are where input would leak.
            httpx.post(f"{url}/score", json={"headlines": [HEADLINE + " " + "x" * 2_100]}),
            httpx.post(f"{url}/score", json={"headlines": [HEADLINE, 7, None]}),
            httpx.post(f"{url}/score", json={"headlines": [HEADLINE, "   "], "explain": "yes"}),
            httpx.post(f"{url}/score", json={"headlines": [HEADLINE], "page": PAGE_URL}),
            httpx.post(f"{url}/score", content=f'{{"headlines": ["{HEADLINE}"'.encode()),
            httpx.post(f"{url}/feedback", json={"text": HEADLINE, "head": f"nope{MARK}", "score": 2}),
            httpx.get(f"{url}/model", params={"url": PAGE_URL}),
            httpx.post(f"{url}/score", json={"headlines": [HEADLINE]}, headers={"Origin": f"https://{MARK}.example"}),
            # The story endpoints: whole articles, valid and not.
            httpx.post(f"{url}/score_article", json={"headline": HEADLINE, "body": BODY}),
            httpx.post(f"{url}/score_article", json={"headline": HEADLINE, "body": BODY, "url": PAGE_URL}),
            httpx.post(f"{url}/compare", json={"articles": [{"id": f"a{MARK}", "headline": HEADLINE, "body": BODY},
                                                            {"id": "b", "headline": HEADLINE, "outlet": f"o{MARK}"}]}),
            httpx.post(f"{url}/compare", json={"articles": [{"id": "a", "headline": HEADLINE, "published": MARK}] * 2}),
        ]
        # The server writes an access line after it answers: give the last ones a moment to land
        # (bounded), so the log read below covers every request.
        deadline = time.monotonic() + 10
        while (server.log().count("path=/score") < ACCESS_LINES or server.log().count("path=/compare") < COMPARE_LINES) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        log = server.log()
    return workdir, answers, log


def test_requests_were_answered(served):
    _, answers, _ = served
    statuses = [answer.status_code for answer in answers]
    assert statuses == [200, 200, 400, 400, 400, 400, 400, 400, 200, 403, 200, 400, 200, 400], statuses


def test_no_headline_text_or_page_url_in_the_server_log(served):
    _, _, log = served
    # The log is real and covers the requests: access lines and validation errors are there.
    assert log.count("path=/score") >= ACCESS_LINES and log.count("path=/compare") >= COMPARE_LINES
    assert "ValidationError" in log
    for marker in MARKERS:
        assert marker not in log
    assert "private-news.example" not in log


def test_nothing_from_score_is_stored(served):
    workdir, _, _ = served
    roots = [workdir, Path(os.environ["BENTOML_HOME"])]
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                assert MARK.encode() not in path.read_bytes(), path


class _Headline(BaseModel):
    text: str

    @field_validator("text")
    @classmethod
    def _short(cls, text: str) -> str:
        raise ValueError("too long")


def _log_through_filter(logger_name: str, emit) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_filter_keeps_the_traceback_and_drops_exception_messages():
    def emit(logger):
        try:
            try:
                _Headline(text=HEADLINE)
            except ValidationError as exc:
                raise RuntimeError(f"could not score {HEADLINE}") from exc
        except RuntimeError:
            logger.exception("Exception on %s [%s]", "/score", "POST")

    out = _log_through_filter("test.privacy.exceptions", emit)
    assert MARK not in out
    assert "Exception on /score [POST]" in out
    assert "ValidationError: text: Value error, too long" in out  # where and why, not what
    assert f"RuntimeError: {REDACTED}" in out
    assert "_Headline(text=HEADLINE)" in out  # the frames are kept for debugging


def test_filter_strips_query_strings_from_uvicorn_access_lines():
    def emit(logger):
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", f"/score?url={PAGE_URL}", "1.1", 200)

    out = _log_through_filter("uvicorn.access", emit)
    assert '"GET /score HTTP/1.1" 200' in out and MARK not in out


def test_install_is_idempotent():
    handler = logging.StreamHandler(io.StringIO())
    assert install_log_redaction([handler]) == 1
    assert install_log_redaction([handler]) == 0
    assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
