#!/usr/bin/env python3
"""Validate the bundled stridefit catalogue (shoes.csv, insoles.csv).

Python 3 standard library only. Usage:
    python3 data/check_catalogue.py [DATA_DIR]
DATA_DIR defaults to the directory holding this script. Prints a summary and
exits with status 1 if any rule is violated (0 otherwise).
"""
import csv
import os
import re
import sys
from collections import Counter

SHOES_HEADER = ("id,brand,model,release_year,category,support,cushioning,terrain,"
                "heel_stack_mm,forefoot_stack_mm,drop_mm,weight_g,price_usd,widths,"
                "plated,source,line,status").split(",")
INSOLES_HEADER = "id,brand,model,arch_support,volume,cushioning,rigidity,price_usd,source".split(",")

CATEGORIES = ("daily", "cushioned", "tempo", "race")
SUPPORTS = ("neutral", "stability", "motion_control")
CUSHIONING = ("low", "moderate", "high", "max")
TERRAINS = ("road", "trail", "road_trail")
WIDTHS = ("narrow", "standard", "wide", "extra_wide")
PLATED = ("true", "false")
SHOE_SOURCES = ("shoe_specs_reference", "brooks_2020", "brand_spec")
STATUSES = ("current", "previous", "discontinued")

ARCH = ("neutral", "low", "medium", "high")
VOLUME = ("low", "medium", "high")
INSOLE_CUSHIONING = ("low", "moderate", "high")
RIGIDITY = ("flexible", "semi_rigid", "rigid")
INSOLE_SOURCES = ("brand_spec",)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
INT_RE = re.compile(r"^\d+$")
ONE_DEC_RE = re.compile(r"^\d+(?:\.\d)?$")          # integer or one decimal
PRICE_RE = re.compile(r"^\d+(?:\.\d{1,2})?$")       # up to 2 decimals

MIN_SHOES, MIN_BRANDS, MIN_MC = 90, 10, 3
MIN_INSOLES = 14

errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def cushioning_from_heel(heel):
    """Documented rule: <28 low, 28-33 moderate, 34-38 high, >38 max (mm)."""
    if heel < 28:
        return "low"
    if heel < 34:
        return "moderate"
    if heel <= 38:
        return "high"
    return "max"


def read_csv(path, header):
    name = os.path.basename(path)
    try:
        raw = open(path, "rb").read()
    except OSError as e:
        err(name, f"cannot read: {e}")
        return []
    if raw.startswith(b"\xef\xbb\xbf"):
        err(name, "has a UTF-8 BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        err(name, f"not valid UTF-8: {e}")
        return []
    if "\r" in text:
        err(name, "contains CR characters (use LF line endings)")
    if text and not text.endswith("\n"):
        err(name, "does not end with a newline")
    lines = text.split("\n")
    if lines[0] != ",".join(header):
        err(name, f"header mismatch:\n  got      {lines[0]!r}\n  expected {','.join(header)!r}")
    rows = []
    reader = csv.reader(text.splitlines())
    next(reader, None)
    for lineno, cells in enumerate(reader, start=2):
        if not cells or all(c == "" for c in cells):
            err(f"{name}:{lineno}", "blank line")
            continue
        if len(cells) != len(header):
            err(f"{name}:{lineno}", f"{len(cells)} cells, expected {len(header)}")
            continue
        for c in cells:
            if c != c.strip():
                err(f"{name}:{lineno}", f"leading/trailing whitespace in {c!r}")
        rows.append((lineno, dict(zip(header, cells))))
    return rows


def check_required(where, row, fields):
    for f in fields:
        if row[f] == "":
            err(where, f"{f} is empty (required)")


def check_enum(where, row, field, allowed):
    if row[field] not in allowed:
        err(where, f"{field}={row[field]!r} not in {allowed}")


def check_ids(name, rows):
    ids = Counter(r["id"] for _, r in rows)
    for i, n in ids.items():
        if n > 1:
            err(name, f"duplicate id {i!r} ({n}x)")
    pairs = Counter((r["brand"].lower(), r["model"].lower()) for _, r in rows)
    for p, n in pairs.items():
        if n > 1:
            err(name, f"duplicate brand+model {p} ({n}x)")
    for lineno, r in rows:
        if not SLUG_RE.match(r["id"]):
            err(f"{name}:{lineno}", f"id {r['id']!r} is not a lowercase slug")


def check_shoes(path):
    name = "shoes.csv"
    rows = read_csv(path, SHOES_HEADER)
    adjusted = []
    for lineno, r in rows:
        w = f"{name}:{lineno} ({r['id']})"
        check_required(w, r, ("id", "brand", "model", "release_year", "category", "support",
                              "cushioning", "terrain", "widths", "plated", "source", "line", "status"))
        check_enum(w, r, "category", CATEGORIES)
        check_enum(w, r, "status", STATUSES)
        if not SLUG_RE.match(r["line"]) or not r["id"].startswith(r["line"].split("-")[0]):
            err(w, f"line {r['line']!r} is not a slug of the same brand")
        check_enum(w, r, "support", SUPPORTS)
        check_enum(w, r, "cushioning", CUSHIONING)
        check_enum(w, r, "terrain", TERRAINS)
        check_enum(w, r, "plated", PLATED)
        check_enum(w, r, "source", SHOE_SOURCES)

        if not INT_RE.match(r["release_year"]) or not 2000 <= int(r["release_year"]) <= 2030:
            err(w, f"release_year {r['release_year']!r} is not an integer in 2000-2030")

        nums = {}
        for f in ("heel_stack_mm", "forefoot_stack_mm", "drop_mm"):
            v = r[f]
            if v == "":
                continue
            if not ONE_DEC_RE.match(v):
                err(w, f"{f}={v!r} must be a non-negative number with at most one decimal")
                continue
            nums[f] = float(v)
            if not 0 <= nums[f] <= 60:
                err(w, f"{f}={v} outside 0-60 mm")
        if "heel_stack_mm" in nums and "forefoot_stack_mm" in nums:
            if nums["forefoot_stack_mm"] > nums["heel_stack_mm"]:
                err(w, "forefoot stack higher than heel stack")
            if "drop_mm" in nums:
                diff = nums["heel_stack_mm"] - nums["forefoot_stack_mm"]
                if abs(diff - nums["drop_mm"]) > 1.0:
                    err(w, f"drop {nums['drop_mm']} != heel-forefoot {diff} (tolerance 1 mm)")
        if "drop_mm" in nums and nums["drop_mm"] > 16:
            err(w, f"drop {nums['drop_mm']} implausible (>16 mm)")

        if "heel_stack_mm" in nums and r["cushioning"] in CUSHIONING:
            rule = cushioning_from_heel(nums["heel_stack_mm"])
            delta = CUSHIONING.index(r["cushioning"]) - CUSHIONING.index(rule)
            if abs(delta) > 1:
                err(w, f"cushioning {r['cushioning']!r} is more than one level from rule value "
                       f"{rule!r} (heel {nums['heel_stack_mm']} mm)")
            elif delta != 0:
                adjusted.append(f"{r['id']} ({rule} -> {r['cushioning']})")

        if r["weight_g"] != "":
            if not INT_RE.match(r["weight_g"]):
                err(w, f"weight_g {r['weight_g']!r} is not an integer")
            elif not 120 <= int(r["weight_g"]) <= 420:
                err(w, f"weight_g {r['weight_g']} outside 120-420 g")
        if r["price_usd"] != "":
            if not PRICE_RE.match(r["price_usd"]) or float(r["price_usd"]) <= 0:
                err(w, f"price_usd {r['price_usd']!r} is not a positive number (<=2 decimals)")

        widths = r["widths"].split("|") if r["widths"] else []
        if not widths:
            err(w, "widths empty")
        elif any(x not in WIDTHS for x in widths):
            err(w, f"widths {r['widths']!r} has values outside {WIDTHS}")
        elif len(set(widths)) != len(widths) or widths != sorted(widths, key=WIDTHS.index):
            err(w, f"widths {r['widths']!r} must be unique and ordered narrow|standard|wide|extra_wide")

        if r["source"] == "shoe_specs_reference" and not all(
                r[f] != "" for f in ("heel_stack_mm", "forefoot_stack_mm", "drop_mm", "weight_g", "price_usd")):
            err(w, "row sourced from shoe_specs_reference should carry its stacks, weight and price")

    check_ids(name, rows)

    data = [r for _, r in rows]
    brands = sorted({r["brand"] for r in data}, key=str.lower)
    support = Counter(r["support"] for r in data)
    category = Counter(r["category"] for r in data)
    terrain = Counter(r["terrain"] for r in data)
    cushion = Counter(r["cushioning"] for r in data)
    source = Counter(r["source"] for r in data)
    drops = [float(r["drop_mm"]) for r in data if ONE_DEC_RE.match(r["drop_mm"] or "x")]

    if len(data) < MIN_SHOES:
        err(name, f"{len(data)} rows, need >= {MIN_SHOES}")
    if len(brands) < MIN_BRANDS:
        err(name, f"{len(brands)} brands, need >= {MIN_BRANDS}")
    for s in SUPPORTS:
        if support[s] == 0:
            err(name, f"no {s} rows")
    if support["motion_control"] < MIN_MC:
        err(name, f"{support['motion_control']} motion_control rows, need >= {MIN_MC}")
    for c in CATEGORIES:
        if category[c] == 0:
            err(name, f"no {c} rows")
    if terrain["road"] == 0 or terrain["trail"] == 0:
        err(name, "need both road and trail rows")
    if drops and (min(drops) > 0 or max(drops) < 12):
        err(name, f"drop range {min(drops)}-{max(drops)} mm must span 0 to 12 mm")

    print(f"shoes.csv: {len(data)} rows, {len(brands)} brands")
    per_brand = Counter(r["brand"] for r in data)
    print("  brands:     " + ", ".join(f"{b} ({per_brand[b]})" for b in brands))
    print(f"  support:    {dict(sorted(support.items()))}")
    print(f"  category:   {dict(sorted(category.items()))}")
    print(f"  terrain:    {dict(sorted(terrain.items()))}")
    print(f"  cushioning: {dict(sorted(cushion.items()))}")
    print(f"  source:     {dict(sorted(source.items()))}")
    if drops:
        print(f"  drop range: {min(drops):g}-{max(drops):g} mm")
    empties = {f: sum(1 for r in data if r[f] == "") for f in
               ("heel_stack_mm", "forefoot_stack_mm", "drop_mm", "weight_g", "price_usd")}
    print(f"  empty (unknown) cells: {empties}")
    print(f"  cushioning adjusted by one level from the stack rule: {len(adjusted)}"
          + (f" -> {', '.join(adjusted)}" if adjusted else ""))


def check_insoles(path):
    name = "insoles.csv"
    rows = read_csv(path, INSOLES_HEADER)
    for lineno, r in rows:
        w = f"{name}:{lineno} ({r['id']})"
        check_required(w, r, ("id", "brand", "model", "arch_support", "volume", "cushioning",
                              "rigidity", "source"))
        check_enum(w, r, "arch_support", ARCH)
        check_enum(w, r, "volume", VOLUME)
        check_enum(w, r, "cushioning", INSOLE_CUSHIONING)
        check_enum(w, r, "rigidity", RIGIDITY)
        check_enum(w, r, "source", INSOLE_SOURCES)
        if r["price_usd"] != "":
            if not PRICE_RE.match(r["price_usd"]) or float(r["price_usd"]) <= 0:
                err(w, f"price_usd {r['price_usd']!r} is not a positive number (<=2 decimals)")
    check_ids(name, rows)

    data = [r for _, r in rows]
    arch = Counter(r["arch_support"] for r in data)
    volume = Counter(r["volume"] for r in data)
    if len(data) < MIN_INSOLES:
        err(name, f"{len(data)} rows, need >= {MIN_INSOLES}")
    if arch["neutral"] < 1:
        err(name, "need at least one neutral cushioned liner")
    if not any(r["arch_support"] == "neutral" and r["cushioning"] in ("moderate", "high") for r in data):
        err(name, "the neutral liner(s) should be cushioned (moderate/high)")
    if arch["medium"] < 3 or arch["high"] < 3:
        err(name, f"need several medium and high arch supports (have {arch['medium']} / {arch['high']})")
    if volume["low"] < 1:
        err(name, "need at least one low-volume insole (race shoes)")
    brands = sorted({r["brand"] for r in data}, key=str.lower)
    print(f"insoles.csv: {len(data)} rows, {len(brands)} brands ({', '.join(brands)})")
    print(f"  arch_support: {dict(sorted(arch.items()))}")
    print(f"  volume:       {dict(sorted(volume.items()))}")
    cush = Counter(r["cushioning"] for r in data)
    rig = Counter(r["rigidity"] for r in data)
    print(f"  cushioning:   {dict(sorted(cush.items()))}")
    print(f"  rigidity:     {dict(sorted(rig.items()))}")
    print(f"  price_usd empty: {sum(1 for r in data if r['price_usd'] == '')}")


def main():
    data_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    check_shoes(os.path.join(data_dir, "shoes.csv"))
    check_insoles(os.path.join(data_dir, "insoles.csv"))
    if errors:
        print(f"\nFAILED: {len(errors)} violation(s)")
        for e in errors:
            print(f"  - {e}")
        return 1
    print("\nOK: catalogue passes all checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
