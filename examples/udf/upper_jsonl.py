#!/usr/bin/env python3
"""GenevaSQL external function, protocol 'jsonl': upper-cases a string.

    CREATE FUNCTION upper_ext(s TEXT) RETURNS TEXT
        LANGUAGE EXTERNAL AS 'python3 examples/udf/upper_jsonl.py'
        WITH (protocol = 'jsonl');

One request line per batch: {"batch": 7, "rows": [["abc"], [null]]}
One answer line per batch:  {"batch": 7, "results": ["ABC", null]}
A row that cannot be computed is reported in "errors" (its result is null).
Python standard library only.
"""
import json
import sys


def upper(value):
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("expected a string, got %s" % type(value).__name__)
    return value.upper()


def main():
    # Loaded once per worker: this is where a model would be read.
    print("upper_jsonl: ready", file=sys.stderr, flush=True)
    while True:
        line = sys.stdin.readline()
        if not line:
            return  # end of input: the engine is done with us
        if not line.strip():
            continue
        request = json.loads(line)
        results, errors = [], []
        for i, row in enumerate(request["rows"]):
            try:
                results.append(upper(row[0]))
            except Exception as e:  # report the row, keep going
                results.append(None)
                errors.append({"row": i, "message": str(e)})
        answer = {"batch": request["batch"], "results": results}
        if errors:
            answer["errors"] = errors
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
