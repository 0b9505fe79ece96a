#!/usr/bin/env python3
"""Makes a large Kitos export from the fixtures: each of Testrup Kommune's usages copied until
there are N (3 000 by default), with their registrations, as saved responses in a folder that
`systemejer import kitos --from-dir` reads. Deterministic: the same N gives the same files.

Usage: bench/kitos_fixture.py OUT_DIR [N]
"""

import copy
import json
import os
import shutil
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "tests", "fixtures", "kitos", "2026")
SPACE = uuid.UUID("6f1c5a8e-2d0b-4c3e-9a51-7e2f0d6c4b19")


def load(name):
    with open(os.path.join(SOURCE, name), encoding="utf-8") as f:
        return json.load(f)


def copy_id(original, n):
    return str(uuid.uuid5(SPACE, f"{original}/{n}"))


def main():
    out = sys.argv[1]
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    usages = load("it-system-usages.json")
    registrations = load("data-processing-registrations.json")
    copies = (total + len(usages) - 1) // len(usages)
    big_usages, big_registrations = [], []
    for n in range(copies):
        for usage in usages:
            if len(big_usages) == total:
                break
            u = copy.deepcopy(usage)
            u["uuid"] = copy_id(usage["uuid"], n)
            name = u["general"].get("localCallName") or u["systemContext"]["name"]
            u["general"]["localCallName"] = f"{name} {n + 1}"
            big_usages.append(u)
        for dpr in registrations:
            d = copy.deepcopy(dpr)
            d["uuid"] = copy_id(dpr["uuid"], n)
            d["name"] = f"{dpr['name']} {n + 1}"
            for link in d["systemUsages"]:
                link["uuid"] = copy_id(link["uuid"], n)
            big_registrations.append(d)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    for name in ["organization-units.json", "users.json", "it-system-usage-role-types.json", "deleted-entities.json"]:
        shutil.copy(os.path.join(SOURCE, name), os.path.join(out, name))
    shutil.copytree(os.path.join(SOURCE, "it-systems"), os.path.join(out, "it-systems"))
    with open(os.path.join(out, "it-system-usages.json"), "w", encoding="utf-8") as f:
        json.dump(big_usages, f, ensure_ascii=False)
    with open(os.path.join(out, "data-processing-registrations.json"), "w", encoding="utf-8") as f:
        json.dump(big_registrations, f, ensure_ascii=False)
    print(f"{len(big_usages)} usages, {len(big_registrations)} registrations in {out}")


if __name__ == "__main__":
    main()
