#!/usr/bin/env python3
"""Condenses BenchmarkDotNet's CSV reports into one Markdown table: per scenario and size, the
hand-rolled baseline next to TaskGroup, with ratios and per-child costs.

Usage: python3 bench/summarize.py BenchmarkDotNet.Artifacts/results
"""
import csv
import glob
import os
import re
import sys

UNITS = {"ns": 1e-3, "μs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}


def microseconds(text):
    number, unit = text.replace(",", "").split()
    return float(number) * UNITS[unit]


def duration(us):
    return f"{us / 1000:,.2f} ms" if us >= 1000 else f"{us:,.1f} μs"


def main(folder):
    rows = []
    for path in sorted(glob.glob(os.path.join(folder, "*-report.csv"))):
        scenario = re.sub(r"^.*\.(\w+)-report\.csv$", r"\1", path)
        with open(path, encoding="utf-8") as handle:
            records = list(csv.DictReader(handle))
        size_key = "N" if "N" in records[0] else "Depth"
        cases = {}
        for record in records:
            key = (int(record[size_key]), record.get("Child", ""))
            cases.setdefault(key, {})[record["Method"]] = record
        for (size, child), methods in sorted(cases.items(), key=lambda item: (item[0][1], item[0][0])):
            hr, tg = methods["HandRolledPattern"], methods["TaskGroupRunAsync"]
            hr_mean, tg_mean = microseconds(hr["Mean"]), microseconds(tg["Mean"])
            rows.append((
                scenario + (f" ({child})" if child else ""),
                f"{size:,}" + (" levels" if size_key == "Depth" else ""),
                duration(hr_mean), duration(tg_mean),
                f"{tg_mean / hr_mean:.2f}", tg["Ratio"],
                hr["ns/child"], tg["ns/child"], hr["B/child"], tg["B/child"],
                str(int(tg["B/child"]) - int(hr["B/child"])),
            ))
    header = ("scenario", "N", "hand-rolled", "TaskGroup", "time ratio", "BDN ratio",
              "HR ns/child", "TG ns/child", "HR B/child", "TG B/child", "Δ B/child")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if i < 2 else "---:" for i in range(len(header))) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "BenchmarkDotNet.Artifacts/results")
