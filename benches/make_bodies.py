#!/usr/bin/env python3
"""Turns a simulated outcome CSV (stridefit simulate) into a Lua table of varied
POST /v1/recommendations bodies for wrk. Usage: make_bodies.py sales.csv > bodies.lua"""
import csv
import json
import sys

bodies = []
with open(sys.argv[1], newline="") as f:
    for i, row in enumerate(csv.DictReader(f)):
        body = {"fitting": json.loads(row["fitting"]), "top_k": 5}
        if i % 3 == 0:
            body["max_price_usd"] = 180.0
        bodies.append(json.dumps(body, separators=(",", ":")))
print("bodies = {")
for b in bodies:
    print("  " + json.dumps(b) + ",")
print("}")
