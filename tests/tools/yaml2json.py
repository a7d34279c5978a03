#!/usr/bin/env python3
"""Writes the JSON twin of a CloudFormation YAML fixture (short tags become long forms).

Usage: yaml2json.py FILE.yaml...  -> FILE.json beside each. Test-fixture tooling only.
"""
import json
import sys

import yaml


class Loader(yaml.SafeLoader):
    pass


def tag(name):
    key = name if name in ("Ref", "Condition") else "Fn::" + name

    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if name == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {key: value}

    return construct


for fn in ["Ref", "Condition", "Sub", "GetAtt", "ImportValue", "Select", "Join", "Split", "If",
           "FindInMap", "GetAZs", "Equals", "Not", "And", "Or", "Base64", "Cidr"]:
    Loader.add_constructor("!" + fn, tag(fn))

for path in sys.argv[1:]:
    with open(path) as f:
        doc = yaml.load(f, Loader=Loader)
    with open(path.rsplit(".", 1)[0] + ".json", "w") as f:
        json.dump(doc, f, indent=2, default=str)
        f.write("\n")
