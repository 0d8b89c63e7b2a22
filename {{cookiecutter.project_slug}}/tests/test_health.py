"""Health endpoints of the production server (asgi.py): anyone learns ready or not, and
nothing else; the operators' token adds the reason and the counters; Streamlit's metrics
answer the token only. A real server on 127.0.0.1, stopped at the end of each test."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from conftest import ON_SERVER, server_url

from {{ cookiecutter.package_name }}.bench import servers


def get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_health_tells_anyone_only_whether_it_is_ready(database_url):
    with servers.running(servers.PRODUCTION, database_url) as server:
        status, body = get(server.url + "/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, body = get(server.url + "/healthz", token="a guess")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        details = server.counters()  # with the token the bench's servers were given
        assert details["status"] == details["database"] == "ok"
        assert "sql_statements" in details and "loader_misses" in details

        assert get(server.url + "/_stcore/metrics")[0] == 404
        assert get(server.url + "/_stcore/metrics", token="a guess")[0] == 404
        status, body = get(server.url + "/_stcore/metrics", token=servers.HEALTH_TOKEN)
        assert status == 200 and body


def test_a_database_that_is_not_there_is_not_ready_and_its_details_stay_hidden(tmp_path):
    """SQLite: a path that does not exist (never created); MySQL: a server nobody answers,
    named with a user, host and database an anonymous caller must not learn."""
    missing = tmp_path / "no-such-folder" / "prod.db"
    url, secrets = f"sqlite:///{missing}", [str(missing), "prod.db", "no-such-folder"]
    if ON_SERVER:
        nobody = server_url().set(
            username="secret_user", host="127.0.0.2", port=1, database="secret_db"
        )
        url = nobody.render_as_string(hide_password=False)
        secrets = ["secret_user", "127.0.0.2", "secret_db"]
    with servers.running(servers.PRODUCTION, url) as server:
        status, body = get(server.url + "/healthz")
        assert (status, json.loads(body)) == (503, {"status": "not ready"})
        for secret in secrets:
            assert secret.encode() not in body
        details = server.counters()
        assert details["status"] == "not ready" and details["database"] != "ok"
    assert not missing.parent.exists()
