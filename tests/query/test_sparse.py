"""An embedded source carries no article text unless `include=source.text` asks for it."""

from fastapi.testclient import TestClient

from tests.support.helpers import SOURCE_ID, WAFERS, assert_problem


def test_an_embedded_source_has_no_text_unless_asked(client: TestClient) -> None:
    plain = client.get("/v1/claims?include=source&limit=50")
    sources = [claim["source"] for claim in plain.json()["data"]]
    assert len(sources) == 34
    assert all("text" not in source and source["title"] for source in sources)
    # The whole article 34 times was 329 KB.
    assert len(plain.content) < 60_000
    text = client.get(f"/v1/sources/{SOURCE_ID}").json()["text"]
    asked = client.get("/v1/claims/nqpf-21?include=source,source.text").json()
    assert asked["source"]["text"] == text
    alone = client.get(f"/v1/statistics/{WAFERS}?include=source.text").json()
    assert alone["source"]["text"] == text
    assert client.get("/v1/sources?limit=1").json()["data"][0]["text"] == text


def test_only_an_embedded_record_s_left_out_fields_can_be_asked(client: TestClient) -> None:
    for include in ("source.title", "speaker.text", "text"):
        response = client.get("/v1/claims/nqpf-21", params={"include": include})
        assert_problem(response, 400, "invalid-parameter", "include")
