#!/usr/bin/env python3
"""cdx-validate.py SCHEMA_DIR FILE...: validate CycloneDX 1.6 JSON files
against the official schema in SCHEMA_DIR (bom-1.6.schema.json with the
spdx.schema.json and jsf-0.82.schema.json it references), formats checked.
Prints "valid" or the first error of each file; exit 1 when any is invalid,
77 when the schemas or jsonschema are missing (a skip)."""
import json
import os
import sys

try:
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7
except ImportError as e:
    print("skip: %s" % e)
    sys.exit(77)


def main():
    sdir, files = sys.argv[1], sys.argv[2:]
    names = ("bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json")
    if not all(os.path.exists(os.path.join(sdir, n)) for n in names):
        print("skip: no CycloneDX schemas in %s" % sdir)
        sys.exit(77)
    schemas = [json.load(open(os.path.join(sdir, n), encoding="utf-8")) for n in names]
    reg = Registry().with_resources(
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT7)) for s in schemas)
    cls = jsonschema.validators.validator_for(schemas[0])
    v = cls(schemas[0], registry=reg, format_checker=cls.FORMAT_CHECKER)
    bad = 0
    for f in files:
        doc = json.load(open(f, encoding="utf-8"))
        errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
        if errs:
            bad += 1
            e = errs[0]
            print("%s: invalid at %s: %s" % (f, "/".join(map(str, e.path)), e.message[:300]))
        else:
            print("valid")
    sys.exit(1 if bad else 0)


main()
