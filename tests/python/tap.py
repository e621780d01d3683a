"""tap.py - the TAP runner the Python test files share: runs every test_* function
of a module, prints "ok N - name" / "not ok N - name" with the traceback as
comments, and returns the exit status (1 on any failure)."""
import traceback


class Skip(Exception):
    """Raise from a test to report it as skipped, with the reason."""


def run(namespace):
    tests = [(n, f) for n, f in sorted(namespace.items()) if n.startswith("test_")]
    print(f"1..{len(tests)}")
    failed = 0
    for i, (name, fn) in enumerate(tests, 1):
        try:
            fn()
            print(f"ok {i} - {name}")
        except Skip as s:
            print(f"ok {i} - {name} # SKIP {s}")
        except Exception:
            failed += 1
            print(f"not ok {i} - {name}")
            for line in traceback.format_exc().splitlines():
                print("# " + line)
    return 1 if failed else 0
