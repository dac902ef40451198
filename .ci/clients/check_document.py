"""Checks of openapi.json that a schema validator cannot make: the error-code
table in info.description against the sources of the codes, each error
response naming only codes of its status, tags, descriptions and examples on
every operation, and X-Request-Id on every response.

Usage: check_document.py OPENAPI_JSON ERROR_RS REASON_RS
"""

import json
import re
import sys

doc_path, error_rs, reason_rs = sys.argv[1:4]
doc = json.load(open(doc_path, encoding="utf-8"))
problems = []

# The codes and their statuses, names and messages, from the sources.
STATUS = {"BAD_REQUEST": 400, "UNAUTHORIZED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404,
          "METHOD_NOT_ALLOWED": 405, "REQUEST_TIMEOUT": 408, "INTERNAL_SERVER_ERROR": 500,
          "SERVICE_UNAVAILABLE": 503}
error_src = open(error_rs, encoding="utf-8").read()
# The service's table: `Variant = code, STATUS, "name", "message", "description";`
expected = {}
for code, status, name, message in re.findall(
        r"^\s+\w+ = (\d{4}), (\w+), \"(\w+)\", \"([^\"]+)\"", error_src, re.M):
    expected[int(code)] = (STATUS[status], name, message)
if not expected:
    problems.append(f"{error_rs}: no error_codes! rows found")
reasons = re.findall(r"^\s+\w+ = (\d{4}), \"(\w+)\",", open(reason_rs, encoding="utf-8").read(), re.M)
for code, name in reasons:
    expected[int(code)] = (400, name, None)

# The table of info.description.
description = doc["info"]["description"]
if "| code | status | name | message |" not in description:
    problems.append("info.description: no | code | status | name | message | table")
table = {}
for code, status, name, message in re.findall(r"^\| (\d+) \| (\d{3}) \| (\w+) \| (.*) \|$", description, re.M):
    if int(code) in table:
        problems.append(f"table: code {code} twice")
    table[int(code)] = (int(status), name, message)
for code in sorted(set(expected) | set(table)):
    if code not in table:
        problems.append(f"table: code {code} ({expected[code][1]}) is missing")
    elif code not in expected:
        problems.append(f"table: code {code} is not in error.rs or reason.rs")
    else:
        status, name, message = expected[code]
        row = table[code]
        if (row[0], row[1]) != (status, name):
            problems.append(f"table: code {code} is {row[:2]}, the source says {(status, name)}")
        if message is not None and row[2] != message:
            problems.append(f"table: code {code}'s message is {row[2]!r}, the source says {message!r}")

# Operations.
declared_tags = {t["name"] for t in doc.get("tags", [])}
for key in ("license", "contact"):
    if key not in doc["info"]:
        problems.append(f"info.{key} is missing")


def has_example(media):
    return "example" in media or bool(media.get("examples"))


def resolve(obj):
    while "$ref" in obj:
        node = doc
        for part in obj["$ref"].lstrip("#/").split("/"):
            node = node[part]
        obj = node
    return obj


for path, item in doc["paths"].items():
    for method, op in item.items():
        if method == "parameters":
            continue
        where = f"{method.upper()} {path}"
        tags = op.get("tags") or []
        if not tags or not set(tags) <= declared_tags:
            problems.append(f"{where}: tags {tags} (declared: {sorted(declared_tags)})")
        for field in ("operationId", "summary", "description"):
            if not op.get(field):
                problems.append(f"{where}: no {field}")
        for parameter in item.get("parameters", []) + op.get("parameters", []):
            parameter = resolve(parameter)
            if "example" not in parameter and "examples" not in parameter:
                problems.append(f"{where}: parameter {parameter['name']} has no example")
        body = op.get("requestBody")
        if body:
            for media_type, media in body["content"].items():
                if not has_example(media):
                    problems.append(f"{where}: request body {media_type} has no example")
        for status, response in op["responses"].items():
            response = resolve(response)
            if not response.get("description"):
                problems.append(f"{where} {status}: no description")
            if "X-Request-Id" not in response.get("headers", {}):
                problems.append(f"{where} {status}: no X-Request-Id header")
            for media_type, media in response.get("content", {}).items():
                if not has_example(media):
                    problems.append(f"{where} {status}: {media_type} has no example")
            if int(status) >= 400:
                named = [int(c) for c in re.findall(r"\b([12]\d{3})\b", response["description"])]
                if not named:
                    problems.append(f"{where} {status}: the description names no code")
                for code in named:
                    if code in table and table[code][0] != int(status):
                        problems.append(f"{where} {status}: names code {code}, a {table[code][0]}")
                    elif code not in table and not 1000 <= code <= 1199:
                        problems.append(f"{where} {status}: names code {code}, not in the table")

for problem in problems:
    print(f"openapi.json: {problem}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"openapi.json: {len(table)} error codes, every operation tagged, described and exemplified")
