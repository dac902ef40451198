// The key-pair API through openapi-fetch, typed by the paths openapi-typescript
// generated from openapi.json, against the live service: tsc checks every
// call and field against the document's types, node runs the scenario and
// checks the answers (run by .ci/clients/run.sh).
//
// Usage: node scenario.js BASE_URL TOKEN PUBLIC_KEY_FILE FINGERPRINT

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type KeyPair = components["schemas"]["KeyPair"];
type KeyPairCreated = components["schemas"]["KeyPairCreated"];
type ApiError = components["schemas"]["Error"];

const [base, token, keyFile, fingerprint] = process.argv.slice(2);
assert.ok(base && token && keyFile && fingerprint, "usage: scenario.js BASE_URL TOKEN PUBLIC_KEY_FILE FINGERPRINT");
const importedLine = readFileSync(keyFile, "ascii").trim();
const client = createClient<paths>({ baseUrl: base, headers: { Authorization: `Bearer ${token}` } });
const anonymous = createClient<paths>({ baseUrl: base });

const COLLECTION = "/v1/projects/{projectId}/zones/{zoneName}/keypairs";
const ITEM = "/v1/projects/{projectId}/zones/{zoneName}/keypairs/{keyPairId}";
const scope = { projectId: "clients-ts", zoneName: "eu-west-1" };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A typed Error body with this status and code, and a request id. */
function expectError(result: { error?: ApiError; response: Response }, status: number, code: number): void {
  assert.equal(result.response.status, status);
  assert.ok(result.error, `no error body for ${status}`);
  assert.equal(result.error.code, code);
  assert.ok(result.error.message.length > 0);
  assert.equal(typeof result.error.description, "string");
  assert.ok(result.response.headers.get("x-request-id"));
}

// Operational endpoints.
{
  const health = await anonymous.GET("/healthz");
  assert.equal(health.data?.status, "ok");
  const ready = await anonymous.GET("/readyz");
  assert.equal(ready.data?.status, "ready");
  assert.ok((ready.data?.pool ?? -1) >= 0);
  // OpenMetrics text, not JSON: read as text.
  const metrics = await anonymous.GET("/metrics", { parseAs: "text" });
  assert.equal(metrics.response.status, 200);
  assert.ok(metrics.data?.includes("# EOF"));
}

// Create: generate an RSA-4096 key pair; the request id comes back.
const requestId = `ts-${randomUUID()}`;
const created = await client.POST(COLLECTION, {
  params: { path: scope, header: { "X-Requester-Id": "typescript-scenario", "X-Request-Id": requestId } },
  body: { name: "ts-generated", description: "from typescript", tags: { env: "ci" } },
});
assert.equal(created.response.status, 201, JSON.stringify(created.error));
const generated: KeyPairCreated = created.data!;
assert.match(generated.id, UUID);
assert.ok(generated.publicKey.startsWith("ssh-rsa "));
assert.equal(generated.publicKey.length, 724);
assert.ok(generated.privateKey?.startsWith("MIIJ"));
assert.equal(generated.hRef, `/projects/${scope.projectId}/zones/${scope.zoneName}/keypairs/${generated.id}`);
assert.equal(created.response.headers.get("location"), `/v1${generated.hRef}`);
assert.equal(created.response.headers.get("x-request-id"), requestId);

// Create: import a public key; no private key in the answer.
const importResult = await client.POST(COLLECTION, {
  params: { path: scope },
  body: { name: "ts-imported", publicKey: importedLine },
});
assert.equal(importResult.response.status, 201, JSON.stringify(importResult.error));
const imported: KeyPairCreated = importResult.data!;
assert.equal(imported.privateKey, undefined);

// A duplicate name: the typed error with its code.
expectError(await client.POST(COLLECTION, { params: { path: scope }, body: { name: "ts-imported" } }), 400, 2004);

// Find by name, and a page of all of them.
{
  const byName = await client.GET(COLLECTION, { params: { path: scope, query: { name: "ts-generated" } } });
  assert.equal(byName.response.status, 200);
  const items: KeyPair[] = byName.data!;
  assert.equal(items.length, 1);
  const found = items[0]!;
  assert.equal(found.id, generated.id);
  assert.deepEqual(found.tags, { env: "ci" });
  assert.equal(found.lastRequesterId, "typescript-scenario");
  assert.equal(found.description, "from typescript");
  assert.equal(byName.response.headers.get("x-total-count"), "1");
  assert.equal(byName.response.headers.get("x-result-count"), "1");
  const page = await client.GET(COLLECTION, { params: { path: scope, query: { sort: "name", limit: 1 } } });
  assert.equal(page.response.headers.get("x-total-count"), "2");
  assert.deepEqual(page.data?.map((k) => k.name), ["ts-generated"]);
}

// Get: the imported key pair, with its fingerprint (ssh-keygen's).
{
  const got = await client.GET(ITEM, { params: { path: { ...scope, keyPairId: imported.id } } });
  assert.equal(got.response.status, 200);
  const keyPair: KeyPair = got.data!;
  assert.equal(keyPair.name, "ts-imported");
  assert.equal(keyPair.provisioningState, "active");
  assert.equal(keyPair.fingerprint, fingerprint);
  assert.deepEqual(keyPair.publicKey.split(" ").slice(0, 2), importedLine.split(" ").slice(0, 2));
  assert.deepEqual(keyPair.tags, {});
  assert.equal(keyPair.description, undefined);
  assert.ok(Date.parse(keyPair.lastModifiedDate) >= Date.parse(keyPair.createdDate));
}

// An id is a UUID in any letter case; anything else is the typed 400.
{
  const upper = await client.GET(ITEM, { params: { path: { ...scope, keyPairId: imported.id.toUpperCase() } } });
  assert.equal(upper.response.status, 200);
  assert.equal(upper.data?.id, imported.id);
}
expectError(await client.GET(ITEM, { params: { path: { ...scope, keyPairId: "not-a-uuid" } } }), 400, 2006);

// Delete both; then get is the typed 404.
for (const keyPair of [generated, imported]) {
  const deleted = await client.DELETE(ITEM, { params: { path: { ...scope, keyPairId: keyPair.id } } });
  assert.equal(deleted.response.status, 202);
}
expectError(await client.GET(ITEM, { params: { path: { ...scope, keyPairId: generated.id } } }), 404, 2200);
expectError(await client.DELETE(ITEM, { params: { path: { ...scope, keyPairId: imported.id } } }), 404, 2200);

// A missing id, no credential, a bad query parameter: typed errors.
expectError(await client.GET(ITEM, { params: { path: { ...scope, keyPairId: randomUUID() } } }), 404, 2200);
{
  const unauthenticated = await anonymous.GET(COLLECTION, { params: { path: scope } });
  expectError(unauthenticated, 401, 2100);
  assert.equal(unauthenticated.response.headers.get("www-authenticate"), 'Bearer realm="keygen"');
}
expectError(await client.GET(COLLECTION, { params: { path: scope, query: { limit: 1001 } } }), 400, 2005);
console.log("typescript client scenario: ok");
