"""The bad-input matrix against a real ``bentoml serve``: a 4xx with a message, and the server keeps answering."""

import httpx
import pytest
from bad_inputs import ALL_CASES, GOOD_SCORE, error_message
from service_server import running_service


@pytest.fixture(scope="module")
def client(tiny_artifact, tmp_path_factory):
    # No rate limit: the matrix sends two requests per case from one address.
    workdir = tmp_path_factory.mktemp("bad-input")
    with running_service(tiny_artifact, workdir, {"HEADLINE_LENS_RATE_LIMIT": "0"}) as server, httpx.Client(
        base_url=server.url, timeout=30
    ) as http:
        yield http


@pytest.mark.parametrize("case", ALL_CASES, ids=[case.name for case in ALL_CASES])
def test_bad_input_gets_a_4xx_with_a_message(client, case):
    response = client.post(case.path, content=case.body, headers={"content-type": case.content_type})
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    assert error_message(response.content).strip(), response.text[:500]
    after = client.post("/score", content=GOOD_SCORE, headers={"content-type": "application/json"})
    assert after.status_code == 200, f"after {case.name!r} the server answered {after.status_code}"
