#!/usr/bin/env python3
"""Drives a running Gatehouse with the clients third parties really use.

requests-oauthlib performs the OAuth 1.0a token exchange and signs API calls (HMAC-SHA256),
PyJWT reads the admin token Gatehouse issues and mints one Gatehouse must accept. Every check
raises on failure; on success the script prints, as JSON on its last line, every credential it
saw, so that the caller can make sure none of them reached the server's log.
"""

import argparse
import http.server
import json
import sys
import threading
import time
import urllib.parse

import jwt
import oauthlib.oauth1
import requests
from requests_oauthlib import OAuth1, OAuth1Session

HMAC_SHA256 = oauthlib.oauth1.SIGNATURE_HMAC_SHA256
NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."

# Query strings third-party clients send and naive verifiers get wrong.
AWKWARD_QUERIES = [
    [("q", "two words")],
    [("plus", "1+2"), ("space", " ")],
    [("path", "a/b"), ("encoded", "%2F")],
    [("filter[name]", "x"), ("filter[tags][]", "y")],
    [("name", "Grüße, 東京"), ("emoji", "🙂")],
    [("empty", ""), ("flag", "")],
    [("r", "2"), ("r", "1"), ("r", "1")],
    [("searchCriteria[filter_groups][0][filters][0][field]", "sku"),
     ("searchCriteria[pageSize]", "10")],
]


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def header_secrets(header):
    """The nonce and the signature of an `Authorization: OAuth` header."""
    if isinstance(header, bytes):
        header = header.decode()
    params = dict(oauthlib.oauth1.rfc5849.utils.parse_authorization_header(header))
    values = [params["oauth_nonce"], params["oauth_signature"]]
    return values + [urllib.parse.unquote(value) for value in values]


def reference_jwt_key(crypt_key):
    """The reference's JWT key: the last entry of the crypt key, padded with '&' to 2048."""
    entry = crypt_key.split()[-1]
    missing = 2048 - len(entry)
    left = missing // 2
    return ("&" * left + entry + "&" * (missing - left)).encode()


class Endpoint(http.server.BaseHTTPRequestHandler):
    """The integration's endpoint: records the credentials Gatehouse posts."""

    received = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        Endpoint.received.append(
            (self.headers.get("Content-Type", ""), dict(urllib.parse.parse_qsl(body)))
        )
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def admin_session(base, user, password, key):
    response = requests.post(
        base + "rest/V1/integration/admin/token",
        json={"username": user, "password": password},
        timeout=10,
    )
    check(response.status_code == 200, f"admin token: {response.status_code} {response.text}")
    token = response.json()
    check(isinstance(token, str), "the admin token is a JSON string")

    # The token is the reference's: header kid 1 / HS256, claims uid, utypid, iat, exp.
    header = jwt.get_unverified_header(token)
    check(header.get("kid") == "1" and header.get("alg") == "HS256", f"header {header}")
    claims = jwt.decode(token, key, algorithms=["HS256"])
    check(claims["utypid"] == 2, f"utypid {claims}")
    check(claims["exp"] - claims["iat"] == 3600, "admin tokens live 60 minutes")

    # A token minted by PyJWT with the same key is accepted as well.
    now = int(time.time())
    minted = jwt.encode(
        {"uid": claims["uid"], "utypid": 2, "iat": now, "exp": now + 600},
        key,
        algorithm="HS256",
        headers={"kid": "1"},
    )
    response = requests.get(
        base + "rest/V1/integration/self",
        headers={"Authorization": "Bearer " + minted},
        timeout=10,
    )
    check(response.status_code == 200, f"PyJWT token refused: {response.text}")
    check(response.json()["user_type"] == 2, "PyJWT token is an admin")

    # A token with a forged signature is not.
    forged = jwt.encode({"uid": claims["uid"], "utypid": 2, "iat": now, "exp": now + 600},
                        b"a key that is not the deployment's crypt key", algorithm="HS256", headers={"kid": "1"})
    response = requests.post(
        base + "rest/V1/integrations",
        headers={"Authorization": "Bearer " + forged},
        json={"name": "Forged", "email": "forged@example.com"},
        timeout=10,
    )
    check(response.status_code == 401, f"forged token: {response.status_code}")
    check(response.json()["message"] == NOT_AUTHORIZED, "forged token gets the ACL refusal")
    return token, minted


def create_integration(base, admin, name, endpoint=None):
    body = {"name": name, "email": "dev@example.com", "all_resources": True}
    if endpoint:
        body["endpoint"] = endpoint
    response = requests.post(
        base + "rest/V1/integrations",
        headers={"Authorization": "Bearer " + admin},
        json=body,
        timeout=10,
    )
    check(response.status_code == 200, f"create {name}: {response.status_code} {response.text}")
    return response.json()["id"]


def activate(base, admin, integration_id):
    response = requests.post(
        base + f"rest/V1/integrations/{integration_id}/activate",
        headers={"Authorization": "Bearer " + admin},
        timeout=15,
    )
    check(response.status_code == 200, f"activate: {response.status_code} {response.text}")
    return response.json()


def signed_calls(base, credentials, seen):
    auth = OAuth1(
        credentials["consumer_key"],
        client_secret=credentials["consumer_secret"],
        resource_owner_key=credentials["access_token"],
        resource_owner_secret=credentials["access_token_secret"],
        signature_method=HMAC_SHA256,
    )
    for query in AWKWARD_QUERIES:
        response = requests.get(
            base + "rest/V1/integration/self", params=query, auth=auth, timeout=10
        )
        check(response.status_code == 200, f"signed GET {query}: {response.text}")
        check(response.json()["user_type"] == 1, "the caller is the integration")
        seen.extend(header_secrets(response.request.headers["Authorization"]))

    # A signed form POST: the body parameters are part of the signature.
    response = requests.post(
        base + "rest/V1/integration/self",
        data={"note": "form body", "plus": "a+b"},
        auth=auth,
        timeout=10,
    )
    check(response.status_code in (200, 405), f"signed POST: {response.status_code}")
    if response.status_code == 405:
        check(response.headers["Content-Type"].startswith("application/json"), "405 is JSON")

    # The same request signed with a wrong secret is refused.
    wrong = OAuth1(
        credentials["consumer_key"],
        client_secret="0" * 32,
        resource_owner_key=credentials["access_token"],
        resource_owner_secret=credentials["access_token_secret"],
        signature_method=HMAC_SHA256,
    )
    response = requests.get(base + "rest/V1/integration/self", auth=wrong, timeout=10)
    check(response.status_code == 401, f"wrong secret: {response.status_code}")

    # A replayed request (same nonce and timestamp) is refused the second time.
    client = oauthlib.oauth1.Client(
        credentials["consumer_key"],
        client_secret=credentials["consumer_secret"],
        resource_owner_key=credentials["access_token"],
        resource_owner_secret=credentials["access_token_secret"],
        signature_method=HMAC_SHA256,
        nonce="replayednonce" + str(int(time.time())),
        timestamp=str(int(time.time())),
    )
    uri, headers, _ = client.sign(base + "rest/V1/integration/self?x=1")
    first = requests.get(uri, headers=headers, timeout=10)
    second = requests.get(uri, headers=headers, timeout=10)
    check(first.status_code == 200, f"first of a replay: {first.status_code}")
    check(second.status_code == 401, f"replay: {second.status_code} {second.text}")
    seen.extend(header_secrets(headers["Authorization"]))


def token_exchange(base, admin, seen):
    server = http.server.HTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_port}/gatehouse/callback"

    integration_id = create_integration(base, admin, "Python exchange", endpoint)
    answer = activate(base, admin, integration_id)
    check("consumer_key" in answer and "consumer_secret" not in answer, f"answer {answer}")
    check(len(Endpoint.received) == 1, "the endpoint received one POST")
    content_type, posted = Endpoint.received[0]
    check(content_type.startswith("application/x-www-form-urlencoded"), content_type)
    for field in ("oauth_consumer_key", "oauth_consumer_secret", "store_base_url",
                  "oauth_verifier"):
        check(field in posted, f"posted {field}")
    check(posted["oauth_consumer_key"] == answer["consumer_key"], "posted key")
    check(posted["store_base_url"] == base, f"store_base_url {posted['store_base_url']}")
    server.shutdown()

    session = OAuth1Session(
        posted["oauth_consumer_key"],
        client_secret=posted["oauth_consumer_secret"],
        signature_method=HMAC_SHA256,
    )
    request_token = session.fetch_request_token(base + "oauth/token/request")
    check(len(request_token["oauth_token"]) == 32, "request token")

    session = OAuth1Session(
        posted["oauth_consumer_key"],
        client_secret=posted["oauth_consumer_secret"],
        resource_owner_key=request_token["oauth_token"],
        resource_owner_secret=request_token["oauth_token_secret"],
        verifier=posted["oauth_verifier"],
        signature_method=HMAC_SHA256,
    )
    access_token = session.fetch_access_token(base + "oauth/token/access")
    check(len(access_token["oauth_token"]) == 32, "access token")

    # Exchanging the same request token twice is refused with the reference's problem.
    replay = OAuth1Session(
        posted["oauth_consumer_key"],
        client_secret=posted["oauth_consumer_secret"],
        resource_owner_key=request_token["oauth_token"],
        resource_owner_secret=request_token["oauth_token_secret"],
        verifier=posted["oauth_verifier"],
        signature_method=HMAC_SHA256,
    )
    again = replay.post(base + "oauth/token/access")
    check(again.status_code == 401, f"second exchange: {again.status_code}")
    problem = urllib.parse.parse_qs(again.text).get("oauth_problem", [""])[0]
    check(problem, f"second exchange names its problem: {again.text}")

    credentials = {
        "consumer_key": posted["oauth_consumer_key"],
        "consumer_secret": posted["oauth_consumer_secret"],
        "access_token": access_token["oauth_token"],
        "access_token_secret": access_token["oauth_token_secret"],
    }
    signed_calls(base, credentials, seen)
    seen.extend([posted["oauth_verifier"], request_token["oauth_token"],
                 request_token["oauth_token_secret"]])
    return credentials


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--admin-user", required=True)
    parser.add_argument("--admin-password", required=True)
    parser.add_argument("--crypt-key-file", required=True)
    args = parser.parse_args()

    base = args.base_url if args.base_url.endswith("/") else args.base_url + "/"
    with open(args.crypt_key_file, encoding="utf-8") as file:
        key = reference_jwt_key(file.read())

    seen = [args.admin_password]
    admin, minted = admin_session(base, args.admin_user, args.admin_password, key)
    seen.extend([admin, minted])

    # Activation without an endpoint answers the four credentials at once.
    direct = activate(base, admin, create_integration(base, admin, "Python direct"))
    for field in ("consumer_key", "consumer_secret", "access_token", "access_token_secret"):
        check(len(direct.get(field, "")) == 32, f"direct activation gives {field}")
    signed_calls(base, direct, seen)
    seen.extend([direct["consumer_secret"], direct["access_token"],
                 direct["access_token_secret"]])

    exchanged = token_exchange(base, admin, seen)
    seen.extend([exchanged["consumer_secret"], exchanged["access_token"],
                 exchanged["access_token_secret"]])

    print(json.dumps({"secrets": seen}))


if __name__ == "__main__":
    try:
        main()
    except AssertionError as failure:
        print(f"interop check failed: {failure}", file=sys.stderr)
        sys.exit(1)
