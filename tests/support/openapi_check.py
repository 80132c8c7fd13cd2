"""Checks the gateway's OpenAPI document and answers against it.

Usage: openapi_check.py SPEC.json ANSWERS.json
SPEC.json is the document `/spec` served; ANSWERS.json a list of
{"method", "path", "status", "body"} recorded by the test. The document must be valid
OpenAPI 3.1, and every answer must match the schema its route declares for its status.
Prints one line per problem; exits 1 if there is any.
"""

import json
import re
import sys

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate


def route_of(spec, method, path):
    """The declared operation serving METHOD PATH (static segments first)."""
    candidates = []
    for template, item in spec["paths"].items():
        operation = item.get(method.lower())
        if operation is None:
            continue
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$"
        if re.match(pattern, path):
            candidates.append((template.count("{"), template, operation))
    candidates.sort(key=lambda c: c[0])
    return candidates[0] if candidates else None


def response_schema(spec, operation, status):
    response = operation["responses"].get(str(status))
    if response is None:
        return None, False
    ref = response.get("$ref")
    if ref:
        response = spec["components"]["responses"][ref.split("/")[-1]]
    content = response.get("content", {})
    media = content.get("application/json")
    if media is None:
        return None, True
    schema = dict(media.get("schema", {}))
    schema["components"] = spec["components"]
    return schema, True


def main():
    spec = json.load(open(sys.argv[1]))
    answers = json.load(open(sys.argv[2]))
    problems = []
    try:
        validate(spec)
    except Exception as error:  # the validator's own error types vary by version
        problems.append(f"the document is not valid OpenAPI 3.1: {error}")
    for answer in answers:
        where = f"{answer['method']} {answer['path']} {answer['status']}"
        found = route_of(spec, answer["method"], answer["path"].split("?")[0])
        if found is None:
            problems.append(f"{where}: no route declares it")
            continue
        schema, declared = response_schema(spec, found[2], answer["status"])
        if not declared:
            problems.append(f"{where}: status not declared by {found[1]}")
            continue
        if schema is None or isinstance(answer["body"], str):
            continue
        for error in Draft202012Validator(schema).iter_errors(answer["body"]):
            path = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"{where}: at /{path}: {error.message}")
    for problem in problems:
        print(problem)
    print(f"{len(answers)} answers checked against {len(spec['paths'])} paths; {len(problems)} problems")
    sys.exit(1 if problems else 0)


main()
