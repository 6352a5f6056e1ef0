"""Does the service start and answer? Fast, no database needed: what a deploy checks first."""

import io
import json

from billing import web


def request(app, method, path, body=b""):
    captured = {}

    def start_response(status, headers):
        captured["status"], captured["headers"] = status, dict(headers)

    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body)}
    payload = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], json.loads(payload)


def unreachable():
    raise web.db.DatabaseNotConfigured("no database in the smoke test")


def test_health_answers_even_without_a_database():
    status, headers, body = request(web.make_app(unreachable), "GET", "/health")
    assert status == "200 OK"
    assert headers["Content-Type"] == "application/json"
    assert body == {"status": "ok", "database": False}


def test_unknown_routes_are_404_json():
    status, _, body = request(web.make_app(unreachable), "GET", "/nope")
    assert status.startswith("404") and "no route" in body["error"]


def test_malformed_bodies_are_refused_before_touching_the_database():
    status, _, body = request(web.make_app(unreachable), "POST", "/invoices", b"{not json")
    assert status.startswith("422") and "JSON" in body["error"]
