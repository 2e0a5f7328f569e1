#!/usr/bin/env python3
"""A stand-in for a speech-to-text model, speaking GenevaSQL's 'jsonl' protocol.

GenevaSQL starts this program once per worker and keeps it running for the
whole job: a real model would be loaded here, once. Each input line is one
batch: {"batch": 7, "rows": [[uri], ...]}; each output line answers it:
{"batch": 7, "results": ["...", ...]}.
"""
import json
import sys

for line in sys.stdin:
    req = json.loads(line)
    results = []
    for (uri,) in req["rows"]:
        if uri is None:
            results.append(None)
        else:
            name = uri.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            results.append("transcript of " + name.replace("-", " "))
    sys.stdout.write(json.dumps({"batch": req["batch"], "results": results}) + "\n")
    sys.stdout.flush()
