#!/usr/bin/env python3
"""Test helper speaking the jsonl protocol: doubles numbers, but fails the
rows whose value is divisible by 7 (reported in "errors") and answers a
whole-batch error when a value is 999."""
import json
import sys

for line in sys.stdin:
    req = json.loads(line)
    results, errors = [], []
    batch_error = None
    for i, (x,) in enumerate(req["rows"]):
        if x == 999:
            batch_error = "refusing 999"
        if x is not None and x % 7 == 0:
            results.append(None)
            errors.append({"row": i, "message": "multiple of 7: %d" % x})
        else:
            results.append(None if x is None else x * 2)
    if batch_error:
        out = {"batch": req["batch"], "error": batch_error}
    else:
        out = {"batch": req["batch"], "results": results}
        if errors:
            out["errors"] = errors
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
