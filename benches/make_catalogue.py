#!/usr/bin/env python3
"""Writes an N-shoe catalogue CSV generated from data/shoes.csv (real rows repeated with new
ids and small spec jitter), for load tests and memory checks. Usage: make_catalogue.py N"""
import csv
import random
import sys

n = int(sys.argv[1])
random.seed(1)
with open("data/shoes.csv", newline="") as f:
    rows = list(csv.DictReader(f))
writer = csv.DictWriter(sys.stdout, fieldnames=rows[0].keys(), lineterminator="\n")
writer.writeheader()
for i in range(n):
    row = dict(rows[i % len(rows)])
    row["id"] = f"{row['id']}-g{i}"
    if row["price_usd"]:
        row["price_usd"] = f"{float(row['price_usd']) * random.uniform(0.85, 1.15):.2f}"
    if row["weight_g"]:
        row["weight_g"] = str(int(float(row["weight_g"]) * random.uniform(0.95, 1.05)))
    writer.writerow(row)
