"""The key-pair API through the client openapi-python-client generated from
openapi.json, against the live service: every call goes through the
generated functions and every answer is checked as the typed model the
document promises (run by .ci/clients/run.sh).

Usage: scenario.py BASE_URL TOKEN PUBLIC_KEY_FILE FINGERPRINT
"""

import sys
import uuid

from keygen_client import AuthenticatedClient, Client
from keygen_client.api.key_pairs import (
    create_key_pair,
    delete_key_pair,
    find_key_pairs,
    get_key_pair,
)
from keygen_client.api.operational import healthz, metrics, readyz
from keygen_client.models import (
    Error,
    Health,
    KeyPair,
    KeyPairCreate,
    KeyPairCreated,
    ProvisioningState,
    Readiness,
    Tags,
)
from keygen_client.types import UNSET

PROJECT = "clients-py"
ZONE = "eu-west-1"


def expect(condition, what):
    if not condition:
        raise AssertionError(what)


def expect_error(response, status, code):
    """A typed Error body with this status and code, and a request id."""
    expect(response.status_code == status, f"status {response.status_code}, not {status}")
    expect(isinstance(response.parsed, Error), f"not an Error: {response.parsed!r}")
    expect(response.parsed.code == code, f"code {response.parsed.code}, not {code}")
    expect(response.parsed.message, "empty message")
    expect("x-request-id" in response.headers, "no x-request-id")


def main():
    base, token, key_file, fingerprint = sys.argv[1:5]
    with open(key_file, encoding="ascii") as f:
        imported_line = f.read().strip()
    client = AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)

    # Operational endpoints.
    r = healthz.sync_detailed(client=anonymous)
    expect(isinstance(r.parsed, Health) and r.parsed.status.value == "ok", f"healthz: {r.parsed!r}")
    r = readyz.sync_detailed(client=anonymous)
    expect(isinstance(r.parsed, Readiness) and r.parsed.pool >= 0, f"readyz: {r.parsed!r}")
    r = metrics.sync_detailed(client=anonymous)
    expect(r.status_code == 200 and isinstance(r.parsed, str), "metrics: not text")
    expect("# EOF" in r.parsed, "metrics: not OpenMetrics text")

    # Create: generate an RSA-4096 key pair; the request id comes back.
    request_id = f"py-{uuid.uuid4()}"
    r = create_key_pair.sync_detailed(
        PROJECT,
        ZONE,
        client=client,
        body=KeyPairCreate(name="py-generated", description="from python", tags=Tags.from_dict({"env": "ci"})),
        x_requester_id="python-scenario",
        x_request_id=request_id,
    )
    expect(r.status_code == 201, f"create (generate): {r.status_code} {r.content[:200]!r}")
    generated = r.parsed
    expect(isinstance(generated, KeyPairCreated), f"create: {generated!r}")
    expect(isinstance(generated.id, uuid.UUID), "id is not a UUID")
    expect(generated.public_key.startswith("ssh-rsa ") and len(generated.public_key) == 724, "publicKey")
    expect(isinstance(generated.private_key, str) and generated.private_key.startswith("MIIJ"), "privateKey")
    expect(generated.h_ref == f"/projects/{PROJECT}/zones/{ZONE}/keypairs/{generated.id}", generated.h_ref)
    expect(r.headers["location"] == "/v1" + generated.h_ref, r.headers.get("location"))
    expect(r.headers["x-request-id"] == request_id, "x-request-id not echoed")

    # Create: import a public key; no private key in the answer.
    r = create_key_pair.sync_detailed(
        PROJECT, ZONE, client=client, body=KeyPairCreate(name="py-imported", public_key=imported_line)
    )
    expect(r.status_code == 201, f"create (import): {r.status_code} {r.content[:200]!r}")
    imported = r.parsed
    expect(isinstance(imported, KeyPairCreated) and imported.private_key is UNSET, f"import: {imported!r}")

    # A duplicate name: the typed error with its code.
    r = create_key_pair.sync_detailed(PROJECT, ZONE, client=client, body=KeyPairCreate(name="py-imported"))
    expect_error(r, 400, 2004)

    # Find by name, and all of them.
    r = find_key_pairs.sync_detailed(PROJECT, ZONE, client=client, name="py-generated")
    expect(r.status_code == 200, f"find: {r.status_code}")
    expect(isinstance(r.parsed, list) and len(r.parsed) == 1, f"find by name: {r.parsed!r}")
    found = r.parsed[0]
    expect(isinstance(found, KeyPair) and found.id == generated.id, "find by name: wrong item")
    expect(found.tags.to_dict() == {"env": "ci"}, f"tags {found.tags!r}")
    expect(found.last_requester_id == "python-scenario", found.last_requester_id)
    expect(found.description == "from python", found.description)
    expect(r.headers["x-total-count"] == "1" and r.headers["x-result-count"] == "1", "find: counts")
    r = find_key_pairs.sync_detailed(PROJECT, ZONE, client=client, sort="name", limit=1)
    expect(r.headers["x-total-count"] == "2" and r.headers["x-result-count"] == "1", "find: page")
    expect([k.name for k in r.parsed] == ["py-generated"], "find: sort")

    # Get: the imported key pair, with its fingerprint (ssh-keygen's).
    r = get_key_pair.sync_detailed(PROJECT, ZONE, str(imported.id), client=client)
    expect(r.status_code == 200, f"get: {r.status_code}")
    got = r.parsed
    expect(isinstance(got, KeyPair), f"get: {got!r}")
    expect(got.name == "py-imported" and got.provisioning_state == ProvisioningState.ACTIVE, "get: fields")
    expect(got.fingerprint == fingerprint, f"fingerprint {got.fingerprint}, ssh-keygen says {fingerprint}")
    expect(got.public_key.split()[:2] == imported_line.split()[:2], "get: publicKey")
    expect(got.tags.to_dict() == {} and got.description is UNSET, "get: no tags, no description")
    expect(got.created_date.tzinfo is not None and got.last_modified_date >= got.created_date, "get: dates")

    # An id is a UUID in any letter case; anything else is the typed 400.
    r = get_key_pair.sync_detailed(PROJECT, ZONE, str(imported.id).upper(), client=client)
    expect(r.status_code == 200 and r.parsed.id == imported.id, f"get (upper-case id): {r.status_code}")
    expect_error(get_key_pair.sync_detailed(PROJECT, ZONE, "not-a-uuid", client=client), 400, 2006)

    # Delete both; then get is the typed 404.
    for key_pair in (generated, imported):
        r = delete_key_pair.sync_detailed(PROJECT, ZONE, str(key_pair.id), client=client)
        expect(r.status_code == 202 and r.content == b"", f"delete: {r.status_code}")
    expect_error(get_key_pair.sync_detailed(PROJECT, ZONE, str(generated.id), client=client), 404, 2200)
    expect_error(delete_key_pair.sync_detailed(PROJECT, ZONE, str(imported.id), client=client), 404, 2200)

    # A missing id, no credential, a bad query parameter: typed errors.
    expect_error(get_key_pair.sync_detailed(PROJECT, ZONE, str(uuid.uuid4()), client=client), 404, 2200)
    r = find_key_pairs.sync_detailed(PROJECT, ZONE, client=anonymous)
    expect_error(r, 401, 2100)
    expect(r.headers.get("www-authenticate") == 'Bearer realm="keygen"', f"401: {r.headers!r}")
    expect_error(find_key_pairs.sync_detailed(PROJECT, ZONE, client=client, limit=1001), 400, 2005)
    print("python client scenario: ok")


if __name__ == "__main__":
    main()
