"""summarize.py JUNIT_XML - counts from pytest's JUnit XML: passed, failed and
skipped tests; modules that did not collect (out of scope: the names they import
that hpo lacks); and a 'N passed, N failed' line."""
import collections
import re
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
counts = collections.Counter()
out_of_scope, failures = {}, collections.Counter()
for case in root.iter("testcase"):
    name = case.get("classname", "") + "::" + case.get("name", "")
    err = case.find("error")
    fail = case.find("failure")
    if err is not None and err.get("message", "") == "collection failure":
        text = err.text or ""
        m = re.search(r"No module named '([^']+)'|cannot import name '([^']+)' from '([^']+)'",
                      text)
        why = (m.group(1) or f"{m.group(2)} from {m.group(3)}") if m else text[-80:]
        out_of_scope[case.get("classname") or case.get("name")] = why
    elif err is not None or fail is not None:
        node = fail if fail is not None else err
        msg = (node.get("message") or "").split("\n")[0]
        # a test that reaches into Optuna's private names is out of scope too
        if re.search(r"(has no attribute|does not have the attribute) '_", msg):
            counts["private"] += 1
            continue
        counts["failed"] += 1
        failures[msg[:100]] += 1
    elif case.find("skipped") is not None:
        counts["skipped"] += 1
    else:
        counts["passed"] += 1
for mod, why in sorted(out_of_scope.items()):
    print(f"out of scope: {mod} (imports {why})")
for msg, n in failures.most_common(25):
    print(f"failure x{n}: {msg}")
total = counts["passed"] + counts["failed"]
rate = 100.0 * counts["passed"] / total if total else 0.0
print(f"optuna compat: {counts['passed']} of {total} in-scope tests pass ({rate:.1f} %), "
      f"{counts['skipped']} skipped, {counts['private']} out of scope (private attributes), "
      f"{len(out_of_scope)} modules out of scope (private imports)")
