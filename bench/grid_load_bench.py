"""Throughput under load: Kaidan's grid (HTML) and CKAN `datastore_search` (JSON) against Datasette, same rows.

Usage: python bench/grid_load_bench.py [ROWS] [--seconds S] [--rounds R] [--clients C] [--work DIR] [--search]

1. Generates ROWS rows (default 1,000,000) with gen_data.py, imports them into Kaidan (SQLite) as a public,
   published dataset, and indexes 地区 (filter, facet), 金額 (sort) and id (one record) as the grid's
   on-demand index task would. With --work DIR the prepared data is kept there and reused by the next run.
2. Copies the same alive rows, in display order, into a plain SQLite file for Datasette (rowid = id) with the
   same indexes and ANALYZE.
3. Serves Kaidan with `kaidan serve` (uvicorn, one worker), and Datasette twice: with its defaults and with
   `--setting suggest_facets off`. Datasette is installed into its own venv (bench-only, pinned below), never
   into Kaidan's.
4. Drives C concurrent keep-alive clients (default 8; an asyncio HTTP/1.1 client, so no wrk is needed) for S
   seconds against each page kind of each server. The servers are measured *interleaved* (page kind by page
   kind, round by round), so load from other work on the machine falls on all of them alike.

Prints requests/s, p50 and p99 (ms) of each, and Kaidan's throughput ratio against Datasette with facet
suggestions off (target ≥ 1) and with its defaults (target ≥ 10), HTML against HTML and JSON against JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from common import free_port, wait_for
from summary import record

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
DATASETTE = "datasette==0.65.5"
CATALOGUE_WORDS = [
    "避難所",
    "介護サービス",
    "公衆トイレ",
]  # 3+ characters: Datasette's trigram FTS needs them
CATALOGUE_ORGS = ["bosai", "dx", "kodomo"]
SEARCH_WORD = "二子玉川"  # one district: in 施設名 and 住所 of about 1 row in 28

SETUP = r"""
import json
import django
django.setup()
from kaidan.catalog.models import Dataset
from kaidan.opendata.catalog import resource_id
from kaidan.catalog.tasks import index_columns
from kaidan.store import tables
ds = Dataset.objects.get(name="bench")
fields = ds.live_fields()
# what the grid's on-demand index task creates on the first filter, sort or facet (then ANALYZE)
index_columns.call(ds.pk, [f.pk for f in fields if f.label in ("地区", "金額", "id")])
if SEARCH:
    from kaidan.search.index import reindex_dataset
    reindex_dataset(ds)
print(json.dumps({"table": ds.table_name, "columns": [[f.column, f.label] for f in fields],
                  "resource": resource_id(ds, "csv")}))
"""


CATALOGUE_SETUP = r"""
import sys, tempfile
from pathlib import Path
import django
django.setup()
from kaidan.access.actors import SYSTEM
from kaidan.catalog.models import Dataset
from kaidan.ingest.services import plan_import, run_import
from kaidan.opendata.services import publish

TITLES = ["避難所一覧", "AED設置箇所一覧", "公共施設一覧", "子育て施設一覧", "介護サービス事業所一覧",
          "医療機関一覧", "公衆トイレ一覧", "文化財一覧", "観光施設一覧", "イベント一覧"]
ORGS = ["dx", "bosai", "hokenfukushi", "kodomo", "zaisei"]
n = int(sys.argv[1])
with tempfile.TemporaryDirectory() as tmp:
    for i in range(n):
        path = Path(tmp) / f"c{i}.csv"
        path.write_text(f"番号,名称,地区\n{i},施設{i},池尻\n", encoding="utf-8")
        title = f"{TITLES[i % len(TITLES)]}（{i // len(TITLES) + 1}）"
        plan, _ = plan_import(path, dataset=f"catalogue-{i:04d}", organization=ORGS[i % len(ORGS)], title=title,
                              classification="public")
        run_import(plan, actor=SYSTEM)
        Dataset.objects.filter(name=f"catalogue-{i:04d}").update(description=f"{title}のオープンデータです。")
        publish(Dataset.objects.get(name=f"catalogue-{i:04d}"), actor=SYSTEM)
"""


def build_catalogue_table(kaidan_db: Path, target: Path) -> None:
    """The published datasets as one table for Datasette (`packages`), searchable like its FTS tables."""
    con = sqlite3.connect(target)
    con.execute("ATTACH DATABASE ? AS k", [str(kaidan_db)])
    con.execute(
        "CREATE TABLE packages AS SELECT d.id, d.name, d.title, d.description AS notes, o.code AS organization,"
        " d.updated_at AS metadata_modified FROM k.catalog_dataset d JOIN k.accounts_organization o"
        " ON o.id = d.owner_id WHERE d.published ORDER BY d.id"
    )
    con.execute("CREATE INDEX packages_org ON packages (organization)")
    con.execute(
        "CREATE VIRTUAL TABLE packages_fts USING fts5(title, notes, content='packages', tokenize='trigram')"
    )
    con.execute("INSERT INTO packages_fts (rowid, title, notes) SELECT rowid, title, notes FROM packages")
    con.execute("ANALYZE")
    con.commit()
    con.execute("DETACH DATABASE k")
    con.close()


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# -- preparing the data ---------------------------------------------------------------------------


def kaidan_env(work: Path) -> dict[str, str]:
    env = {**os.environ, "KAIDAN_DATA_DIR": str(work / "kaidan"), "KAIDAN_DEBUG": "0"}
    env["KAIDAN_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    env.pop("KAIDAN_DATABASE_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "kaidan.settings"
    return env


def prepare(work: Path, rows: int, search: bool, catalogue: int = 0) -> dict[str, object]:
    """Generate, import and index once; a second run with the same --work reuses it."""
    marker = (
        work / f"prepared-{rows}{'-search' if search else ''}{f'-cat{catalogue}' if catalogue else ''}.json"
    )
    if marker.exists():
        return dict(json.loads(marker.read_text()))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    csv_path = work / "consult.csv"
    subprocess.check_call([sys.executable, str(HERE / "gen_data.py"), str(rows), str(csv_path), "utf-8"])
    env = kaidan_env(work)
    kaidan = str(BIN / "kaidan")
    subprocess.check_call([kaidan, "demo"], env=env, stdout=subprocess.DEVNULL)
    start = time.perf_counter()
    subprocess.check_call(
        [kaidan, "import", str(csv_path), "--dataset", "bench", "--org", "dx", "--classification", "public"]
        + ["--yes", "-v0"],
        env=env,
    )
    print(f"  import: {time.perf_counter() - start:.1f} s", flush=True)
    subprocess.check_call(
        [kaidan, "publish", "bench", "--reason", "generated benchmark data"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    setup = SETUP.replace("SEARCH:", f"{search}:")
    out = subprocess.check_output([sys.executable, "-c", setup], env=env, text=True)
    info = dict(json.loads(out.strip().splitlines()[-1]))
    with csv_path.open(encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split(",")
        info["district"] = f.readline().rstrip("\n").split(",")[header.index("地区")]
    info["rows"] = rows
    if catalogue:
        start = time.perf_counter()
        subprocess.check_call([sys.executable, "-c", CATALOGUE_SETUP, str(catalogue)], env=env)
        print(f"  catalogue of {catalogue:,} datasets: {time.perf_counter() - start:.1f} s", flush=True)
    info["catalogue"] = catalogue
    build_datasette_db(work / "kaidan" / "kaidan.sqlite3", info, work / "bench.db", search)
    if catalogue:
        build_catalogue_table(work / "kaidan" / "kaidan.sqlite3", work / "bench.db")
    csv_path.unlink()
    marker.write_text(json.dumps(info, ensure_ascii=False))
    return info


def build_datasette_db(kaidan_db: Path, info: dict[str, object], target: Path, search: bool) -> None:
    columns: list[list[str]] = info["columns"]  # type: ignore[assignment]
    con = sqlite3.connect(target)
    con.execute("ATTACH DATABASE ? AS k", [str(kaidan_db)])
    select = ", ".join(f'"{col}" AS "{label}"' for col, label in columns)
    con.execute(
        f'CREATE TABLE consult AS SELECT {select} FROM k."{info["table"]}" WHERE _deleted_rev IS NULL ORDER BY _ord'
    )
    con.execute('CREATE INDEX consult_chiku ON consult ("地区")')
    con.execute('CREATE INDEX consult_kingaku ON consult ("金額")')
    con.execute('CREATE INDEX consult_id ON consult ("id")')
    if search:  # Datasette's full-text search: FTS5 (trigram, for Japanese) over the text columns
        text = '"施設名", "住所", "概要"'
        con.execute(
            f"CREATE VIRTUAL TABLE consult_fts USING fts5({text}, content='consult', tokenize='trigram')"
        )
        con.execute(f"INSERT INTO consult_fts (rowid, {text}) SELECT rowid, {text} FROM consult")
    con.execute("ANALYZE")
    con.commit()
    con.execute("DETACH DATABASE k")
    con.close()


def datasette_bin() -> Path:
    """Datasette in a venv of its own (a bench-only peer, never a dependency of Kaidan), on the same HTTP
    stack as Kaidan: uvicorn uses httptools and uvloop when they are installed, and Kaidan pins both, so
    Datasette gets the very versions Kaidan runs with (the comparison is of the applications, not of
    uvicorn's pure-Python h11 parser against its C one)."""
    home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kaidan-bench" / "datasette"
    exe = home / "bin" / "datasette"
    wanted = [DATASETTE, *(f"{name}=={version(name)}" for name in ("httptools", "uvloop"))]
    marker = home / "kaidan-bench-requirements.txt"
    if not exe.exists():
        subprocess.check_call([sys.executable, "-m", "venv", str(home)])
    if not marker.exists() or marker.read_text() != "\n".join(wanted):
        subprocess.check_call([str(home / "bin" / "pip"), "install", "-q", *wanted])
        marker.write_text("\n".join(wanted))
    return exe


# -- the load -------------------------------------------------------------------------------------


@dataclass
class Result:
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    bytes: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> tuple[int, int]:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: identity\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {
        k.strip().lower(): v.strip() for k, _s, v in (line.partition(":") for line in lines[1:] if line)
    }
    size = 0
    if "content-length" in headers:
        size = int(headers["content-length"])
        await reader.readexactly(size)
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            n = int((await reader.readline()).strip().split(b";")[0], 16)
            await reader.readexactly(n + 2)
            size += n
            if n == 0:
                break
    return status, size


async def _client(port: int, paths: list[str], offset: int, deadline: float, result: Result) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = offset
    try:
        while time.perf_counter() < deadline:
            path = paths[i % len(paths)]
            i += 1
            start = time.perf_counter()
            try:
                status, size = await _request(reader, writer, path)
            except (asyncio.IncompleteReadError, ConnectionError):
                result.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            result.latencies.append((time.perf_counter() - start) * 1000)
            result.bytes = size
            if status == 200:
                result.requests += 1
            else:
                result.errors += 1
    finally:
        writer.close()


async def _load(port: int, paths: list[str], clients: int, seconds: float) -> Result:
    result = Result()
    # warm-up: each client's first request (connection set-up, first-time caches of every server alike)
    await asyncio.gather(
        *(_client(port, paths, i, time.perf_counter() + 0.01, Result()) for i in range(clients))
    )
    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(*(_client(port, paths, i * 7, deadline, result) for i in range(clients)))
    result.seconds = time.perf_counter() - start
    return result


def load(port: int, paths: list[str], clients: int, seconds: float) -> Result:
    return asyncio.run(_load(port, paths, clients, seconds))


# -- what is measured ------------------------------------------------------------------------------


def row_ids(rows: int, n: int = 64) -> list[int]:
    return [1 + (i * 7919) % rows for i in range(n)]


def kaidan_pages(info: dict[str, object]) -> dict[str, list[str]]:
    q = urllib.parse.quote
    d = str(info["district"])
    base = "/datasets/bench/"
    api = f"/api/3/action/datastore_search?resource_id={info['resource']}&limit=50"
    ids = row_ids(int(info["rows"]))  # type: ignore[call-overload]
    pages = {
        "HTML first page": [base],
        "HTML filter (地区 = …)": [f"{base}?{q('地区__exact')}={q(d)}"],
        "HTML sort (金額 desc)": [f"{base}?sort={q('金額')}&desc=1"],
        "HTML facet (地区)": [f"{base}?facet={q('地区')}"],
        "HTML one row": [f"{base}rows/{i}/" for i in ids],
        "HTML page 200": [f"{base}?page=200"],
        "JSON first page": [api],
        "JSON filter (地区 = …)": [f"{api}&filters={q(json.dumps({'地区': d}, ensure_ascii=False))}"],
        "JSON sort (金額 desc)": [f"{api}&sort={q('金額 desc')}"],
        "JSON one record (id)": [
            f"/api/3/action/datastore_search?resource_id={info['resource']}&filters={q(json.dumps({'id': i}))}"
            for i in ids
        ],
        "JSON offset 10000": [f"{api}&offset=10000"],
    }
    if info.get("search"):
        pages["JSON q (full text)"] = [f"{api}&q={q(SEARCH_WORD)}"]
    if info.get("catalogue"):
        search = "/api/3/action/package_search?rows=20"
        pages["JSON package_search"] = [search]
        pages["JSON package_search q"] = [f"{search}&q={q(w)}" for w in CATALOGUE_WORDS]
        pages["JSON package_search fq org"] = [
            f"{search}&fq={q('organization:' + o)}" for o in CATALOGUE_ORGS
        ]
    return pages


def datasette_pages(info: dict[str, object]) -> dict[str, list[str]]:
    q = urllib.parse.quote
    d = str(info["district"])
    base = "/bench/consult"
    ids = row_ids(int(info["rows"]))  # type: ignore[call-overload]
    pages = {
        "HTML first page": [f"{base}?_size=50"],
        "HTML filter (地区 = …)": [f"{base}?_size=50&{q('地区')}={q(d)}"],
        "HTML sort (金額 desc)": [f"{base}?_size=50&_sort_desc={q('金額')}"],
        "HTML facet (地区)": [f"{base}?_size=50&_facet={q('地区')}"],
        "HTML one row": [f"{base}/{i}" for i in ids],
        "HTML page 200": [f"{base}?_size=50&_next=9950"],  # Datasette pages by keyset (rowid)
        "JSON first page": [f"{base}.json?_size=50"],
        "JSON filter (地区 = …)": [f"{base}.json?_size=50&{q('地区')}={q(d)}"],
        "JSON sort (金額 desc)": [f"{base}.json?_size=50&_sort_desc={q('金額')}"],
        "JSON one record (id)": [f"{base}/{i}.json" for i in ids],
        "JSON offset 10000": [f"{base}.json?_size=50&_next=10000"],
    }
    if info.get("search"):
        pages["JSON q (full text)"] = [f"{base}.json?_size=50&_search={q(SEARCH_WORD)}"]
    if info.get("catalogue"):
        packages = "/bench/packages.json?_size=20"
        pages["JSON package_search"] = [packages]
        pages["JSON package_search q"] = [f"{packages}&_search={q(w)}" for w in CATALOGUE_WORDS]
        pages["JSON package_search fq org"] = [f"{packages}&organization={q(o)}" for o in CATALOGUE_ORGS]
    return pages


def serve(cmd: list[str], env: dict[str, str] | None, url: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(url)
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds of load per page kind and server")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (medians are reported)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--work", default="", help="keep the prepared data here and reuse it next time")
    parser.add_argument("--search", action="store_true", help="also q (full text): indexes 1M rows first")
    parser.add_argument("--only", default="", help="measure only page kinds containing this text")
    parser.add_argument(
        "--catalogue", type=int, default=0, help="also package_search over N published datasets"
    )
    args = parser.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="kaidan-load-bench-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        datasette = datasette_bin()
        print(
            f"rows: {args.rows:,}; {args.clients} clients; {args.seconds:g} s × {args.rounds} rounds",
            flush=True,
        )
        info = prepare(work, args.rows, args.search, args.catalogue)
        info["search"] = args.search
        env = kaidan_env(work)
        servers: dict[str, tuple[int, dict[str, list[str]]]] = {}
        port = free_port()
        procs.append(
            serve(
                [str(BIN / "kaidan"), "serve", "--no-migrate", "--no-worker", "--port", str(port)],
                env,
                f"http://127.0.0.1:{port}/datasets/bench/",
            )
        )
        servers["Kaidan"] = (port, kaidan_pages(info))
        for name, extra in (
            ("Datasette (suggest_facets off)", ["--setting", "suggest_facets", "off"]),
            ("Datasette (defaults)", []),
        ):
            port = free_port()
            procs.append(
                serve(
                    [str(datasette), "serve", str(work / "bench.db"), "--port", str(port), *extra],
                    None,
                    f"http://127.0.0.1:{port}/bench/consult?_size=1",
                )
            )
            servers[name] = (port, datasette_pages(info))
        kinds = [k for k in servers["Kaidan"][1] if args.only in k]
        runs: dict[tuple[str, str], list[Result]] = {}
        loads: list[str] = [load_average()]
        for rnd in range(args.rounds):
            for kind in kinds:
                order = list(servers) if rnd % 2 == 0 else list(reversed(servers))
                for name in order:
                    port, pages = servers[name]
                    runs.setdefault((name, kind), []).append(
                        load(port, pages[kind], args.clients, args.seconds)
                    )
                print(f"  round {rnd + 1}: {kind} (load {load_average()})", flush=True)
            loads.append(load_average())
        report(servers, kinds, runs, loads)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


def report(
    servers: dict[str, object], kinds: list[str], runs: dict[tuple[str, str], list[Result]], loads: list[str]
) -> None:
    """The table, medians over the rounds. The ≥ 10× target is about Datasette's facet suggestions, which its
    defaults compute on list pages: where its defaults are not slower than half its speed without them (one
    row, keyset pages), there is nothing that target measures and it reads "n/a"."""
    names = list(servers)

    def med(name: str, kind: str) -> tuple[float, float, float, int]:
        rs = runs[(name, kind)]
        return (
            statistics.median(r.rate for r in rs),
            statistics.median(r.pct(0.5) for r in rs),
            statistics.median(r.pct(0.99) for r in rs),
            sum(r.errors for r in rs),
        )

    print(f"\nload average (1/5/15 min) at start, after each round: {' | '.join(loads)}")
    width = 34
    print(
        f"{'page kind':<24}"
        + "".join(f"{n:>{width}}" for n in names)
        + f"{'÷ off':>8}{'÷ defaults':>12}  target"
    )
    print(f"{'':<24}" + "".join(f"{'req/s · p50 · p99 ms':>{width}}" for _ in names))
    below: list[str] = []
    for kind in kinds:
        cells = ""
        for name in names:
            rate, p50, p99, errors = med(name, kind)
            err = f" ({errors} err)" if errors else ""
            cells += f"{f'{rate:.0f} · {p50:.0f} · {p99:.0f}{err}':>{width}}"
        kaidan, off, default = med(names[0], kind), med(names[1], kind), med(names[2], kind)
        vs_off = kaidan[0] / max(off[0], 1e-9)
        vs_default = kaidan[0] / max(default[0], 1e-9)
        suggestions = default[0] < 0.5 * off[0]
        misses = []
        if vs_off < 1:
            misses.append("< 1× off")
        if suggestions and vs_default < 10:
            misses.append("< 10× defaults")
        if kaidan[2] >= 500:
            misses.append("p99 ≥ 500 ms")
        if kaidan[3]:
            misses.append("errors")
        if misses:
            below.append(kind)
        shown_default = f"{vs_default:>11.1f}×" if suggestions else f"{f'({vs_default:.1f}×) n/a':>12}"
        print(
            f"{kind:<24}{cells}{vs_off:>7.2f}×{shown_default}  {'met' if not misses else ', '.join(misses)}"
        )
        record(
            "grid/API load",
            f"{kind} (p99 {kaidan[2]:.0f} ms)",
            measure="req/s ÷ Datasette, suggestions off",
            ratio=vs_off,
            target="≥ 1, p99 < 500 ms",
            met=vs_off >= 1 and kaidan[2] < 500 and not kaidan[3],
        )
        if suggestions:
            record(
                "grid/API load",
                kind,
                measure="req/s ÷ Datasette defaults",
                ratio=vs_default,
                target="≥ 10",
                met=vs_default >= 10,
            )
    print(
        "\nTarget (issues 10 and 12): Kaidan ≥ 1× Datasette with suggest_facets off, ≥ 10× its defaults where"
        " they compute facet suggestions (n/a elsewhere), p99 < 500 ms: "
        + ("met on every page kind." if not below else f"not met on: {', '.join(below)}.")
    )


if __name__ == "__main__":
    main()
