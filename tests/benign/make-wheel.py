#!/usr/bin/env python3
"""Write vigil_benign_pkg-1.0-py3-none-any.whl into the directory argv[1]:
a pure-Python wheel built with the standard library only, for the benign
suite's `pip install` from a local file (no index, no network)."""
import base64
import hashlib
import os
import sys
import zipfile

NAME, VERSION = "vigil_benign_pkg", "1.0"
DIST = f"{NAME}-{VERSION}.dist-info"

files = {
    f"{NAME}/__init__.py": b'VALUE = "vigil benign wheel"\n',
    f"{DIST}/METADATA": (
        f"Metadata-Version: 2.1\nName: vigil-benign-pkg\nVersion: {VERSION}\n"
        "Summary: installed from a local wheel by vigil's benign suite\n"
    ).encode(),
    f"{DIST}/WHEEL": (
        "Wheel-Version: 1.0\nGenerator: vigil-tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    ).encode(),
}


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"{path},sha256={digest.decode()},{len(data)}\n"


record = "".join(record_line(p, d) for p, d in files.items()) + f"{DIST}/RECORD,,\n"
files[f"{DIST}/RECORD"] = record.encode()

out = os.path.join(sys.argv[1], f"{NAME}-{VERSION}-py3-none-any.whl")
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as whl:
    for path, data in files.items():
        whl.writestr(path, data)
print(out)
