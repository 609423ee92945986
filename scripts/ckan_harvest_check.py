"""Run CKAN's own harvesters against Kaidan (issue 12): ckanext-harvest's CKAN harvester and ckanext-dcat.

    python3 scripts/ckan_harvest_check.py            # first run builds the CKAN environment (about a minute)
    python3 scripts/ckan_harvest_check.py --env DIR  # keep that environment elsewhere

CKAN 2.11 pins its own requirements (SQLAlchemy 1.4, Flask 3 …), published in its source archive rather than as
package dependencies, so it gets a virtualenv of its own (default ~/.cache/kaidan-ckan-harvest) built from
PyPI: ckan, ckanext-harvest, ckanext-dcat at the versions below, plus the requirements.txt of ckan's sdist.
Then the project's test runner runs tests/harvest with KAIDAN_CKAN_PYTHON pointing there: a live Kaidan
with the demo's published datasets and 230 more, harvested completely and then incrementally by both harvesters.
"""

from __future__ import annotations

import argparse
import os
import runpy
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CKAN = "ckan==2.11.4"
HARVESTERS = ["ckanext-harvest==1.6.3", "ckanext-dcat==2.4.4"]


def build(env: Path) -> Path:
    python = env / "bin" / "python"
    if (env / ".complete").exists():
        return python
    subprocess.check_call([sys.executable, "-m", "venv", str(env)])
    pip = [str(python), "-m", "pip", "install", "-q"]
    subprocess.check_call([*pip, CKAN, *HARVESTERS])
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.check_call(
            [str(python), "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", CKAN, "-d", tmp]
        )
        archive = next(Path(tmp).glob("ckan-*.tar.gz"))
        with tarfile.open(archive) as sdist:
            member = next(m for m in sdist.getmembers() if m.name.endswith("/requirements.txt"))
            handle = sdist.extractfile(member)
            assert handle is not None
            requirements = Path(tmp) / "requirements.txt"
            requirements.write_bytes(handle.read())
        subprocess.check_call([*pip, "-r", str(requirements)])
    (env / ".complete").write_text("ok\n")
    return python


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--env", type=Path, default=Path.home() / ".cache" / "kaidan-ckan-harvest")
    args = parser.parse_args()
    ckan_python = build(args.env)
    project_python = ROOT / ".venv" / "bin" / "python"
    if not project_python.exists():  # the project's own environment, as `scripts/dev.py test` makes it
        runpy.run_path(str(ROOT / "scripts" / "dev.py"), run_name="dev")["ensure_venv"]()
    env = {**os.environ, "KAIDAN_CKAN_PYTHON": str(ckan_python)}
    env.setdefault("KAIDAN_DATA_DIR", tempfile.mkdtemp(prefix="kaidan-harvest-"))
    return subprocess.call(
        [str(project_python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/harvest"],
        cwd=ROOT,
        env=env,
    )


if __name__ == "__main__":
    sys.exit(main())
