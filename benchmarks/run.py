"""Benchmark policyrules against a hand-written plain-Python baseline.

Run from the repository root with the virtualenv's python:

    python benchmarks/run.py            # default: 3000 cases, ~2-3 minutes on 2 cores
    python benchmarks/run.py --quick    # 300 cases, < 30 s

It prints, in one run: rulebook load + compile time; single-case latency and batch
throughput of policyrules on a rulebook holding only clause 六、1 (the rules the baseline
in benchmarks/baseline.py decides) and of the baseline itself, with the ratio; the same
figures for the whole bundled rulebook; memory growth over a batch; and a leak check.
Before anything is timed, every generated case is checked: the (rule_id, subject_id)
pairs of policyrules' findings must equal the baseline's answer, or the run aborts.
See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import importlib.metadata
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline  # noqa: E402  (benchmarks/baseline.py, no policyrules import)

import policyrules  # noqa: E402
from policyrules.resources import bundled_rulebook  # noqa: E402

CLAUSE_FILE = Path("clauses") / "anyang-2018-2" / "06-1.yaml"
IN_FORCE = _dt.date(2018, 1, 4)

# ----------------------------------------------------------------------------- cases

ANYANG_COUNTIES = {  # county -> how likely poverty_county is true (内黄县 and 滑县 were poverty counties)
    "内黄县": 0.85,
    "滑县": 0.85,
    "林州市": 0.15,
    "汤阴县": 0.15,
    "文峰区": 0.1,
}
OUTSIDE = [("河南省", "郑州市", ["金水区", "中牟县", "登封市"]), ("黑龙江省", "佳木斯市", ["桦南县", "汤原县", "前进区"])]
# (level, kind) of a school: mostly 中职 of every kind, some 高职, a few others.
SCHOOLS = ([("secondary", "secondary_specialised")] * 3 + [("secondary", "vocational_high")] * 2 + [("secondary", "technical_school")]
           + [("secondary", "technician_college"), ("junior_college", "technician_college")]
           + [("junior_college", "higher_vocational_college")] * 2 + [("secondary", "general_high"), ("undergraduate", "applied_undergraduate")])
OWNERSHIP = ["public", "public", "private", "enterprise"]
DEPARTMENTS = ["education", "human_resources_social_security", "finance", "development_reform", "poverty_alleviation", "taxation", "agriculture"]


def _tri(rng: random.Random, p_true: float, p_false: float) -> bool | None:
    """True / False / None (unknown) with the given odds."""
    x = rng.random()
    return True if x < p_true else False if x < p_true + p_false else None


def _put(rng: random.Random, record: dict[str, Any], field: str, value: Any) -> None:
    """Set a field; an unknown value is left out, or (one time in three) written as null."""
    if value is not None:
        record[field] = value
    elif rng.random() < 1 / 3:
        record[field] = None


def _region(rng: random.Random, rid: str) -> dict[str, Any]:
    region: dict[str, Any] = {"id": rid}
    x = rng.random()
    if x < 0.72:
        county = rng.choice(list(ANYANG_COUNTIES))
        province, city = "河南省", "安阳市"
        poverty = rng.random() < ANYANG_COUNTIES[county]
    else:
        province, city, counties = OUTSIDE[0] if x < 0.86 else OUTSIDE[1]
        county = rng.choice(counties)
        poverty = rng.random() < 0.3
    _put(rng, region, "province", province if rng.random() > 0.02 else None)  # now and then unknown
    _put(rng, region, "city", city if rng.random() > 0.03 else None)
    _put(rng, region, "county", county if rng.random() > 0.05 else None)
    _put(rng, region, "poverty_county", poverty if rng.random() > 0.1 else None)
    return region


def _as_of(rng: random.Random) -> _dt.date:
    x = rng.random()
    if x < 0.04:
        return IN_FORCE - _dt.timedelta(days=rng.choice([0, 1]))  # the edge: 2018-01-04 and 2018-01-03
    if x < 0.22:
        return _dt.date(2016, 9, 1) + _dt.timedelta(days=rng.randrange((IN_FORCE - _dt.date(2016, 9, 1)).days))
    return IN_FORCE + _dt.timedelta(days=rng.randrange(3 * 365))


def make_case(rng: random.Random, i: int, extra: bool = False) -> dict[str, Any]:
    """One student + household + school + a region (sometimes a second region).

    With extra=True the case also holds a labourer and a government body, so the rules of
    六、1 about them are exercised too (used for the agreement check only).
    """
    regions = [_region(rng, f"r{i}a")]
    if rng.random() < 0.3:
        regions.append(_region(rng, f"r{i}b"))
    school_region = regions[0]["id"]
    household_region = rng.choice(regions)["id"]

    level, kind = rng.choice(SCHOOLS)
    school: dict[str, Any] = {"id": f"sch{i}", "level": level, "kind": kind, "ownership": rng.choice(OWNERSHIP)}
    if rng.random() > 0.03:
        school["region"] = school_region
    x = rng.random()
    if x < 0.2:
        school["name"] = "内黄县中等职业学校"
    elif x < 0.8:
        school["name"] = rng.choice(["滑县职业中专", "林州市中等专业学校", "安阳职业技术学院", "某职业学校"])
    _put(rng, school, "poverty_training_class_held", _tri(rng, 0.5, 0.3))
    if "poverty_training_class_held" in school:  # a yearly figure: given for one year, sometimes another
        school["poverty_training_class_held"] = {rng.choice([2018, 2019]): school["poverty_training_class_held"]}
    if rng.random() < 0.1:
        del school[rng.choice(["level", "kind"])]

    household: dict[str, Any] = {"id": f"h{i}"}
    if rng.random() > 0.04:
        household["region"] = household_region
    _put(rng, household, "poverty_registered", _tri(rng, 0.55, 0.3))
    _put(rng, household, "poor", _tri(rng, 0.3, 0.4))
    _put(rng, household, "rural", _tri(rng, 0.6, 0.3))

    student: dict[str, Any] = {"id": f"s{i}", "household": household["id"]}
    if rng.random() > 0.03:
        student["school"] = school["id"]
    _put(rng, student, "full_time", _tri(rng, 0.7, 0.2))
    _put(rng, student, "formal_enrolment", _tri(rng, 0.75, 0.15))
    _put(rng, student, "junior_high_graduate", _tri(rng, 0.65, 0.2))
    _put(rng, student, "entered_general_high_school", _tri(rng, 0.2, 0.65))
    # No contradictory facts (facts.yaml `contradictions` refuses them): a 普通高中 student did
    # enter 普通高中, and only a junior-high graduate can have.
    if school.get("kind") == "general_high" and student.get("entered_general_high_school") is False:
        student["entered_general_high_school"] = True
    if student.get("entered_general_high_school") is True and student.get("junior_high_graduate") is False:
        student["junior_high_graduate"] = True
    if rng.random() < 0.5:
        student["age"] = rng.randint(14, 22)

    case: dict[str, Any] = {
        "case": f"bench-{i}",
        "as_of": _as_of(rng),
        "region": regions,
        "school": school,
        "household": household,
        "student": student,
    }
    if extra:
        labourer: dict[str, Any] = {"id": f"l{i}", "household": household["id"], "region": rng.choice(regions)["id"]}
        government: dict[str, Any] = {"id": f"g{i}", "region": rng.choice(regions)["id"]}
        _put(rng, government, "level", rng.choice(["city", "city", "county", "province", None]))
        _put(rng, government, "kind", rng.choice(["department", "department", "people_government", None]))
        _put(rng, government, "department", rng.choice(DEPARTMENTS + [None]))
        case["labourer"] = labourer
        case["government"] = government
    return case


def make_cases(n: int, seed: int, extra: bool = False) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [make_case(rng, i, extra) for i in range(n)]


# ----------------------------------------------------------------------------- rulebooks


def clause_rulebook_dir(tmp: Path) -> Path:
    """A rulebook folder holding the bundled documents, facts, schema, sources and only 六、1."""
    src = bundled_rulebook()
    root = tmp / "rules-06-1"
    root.mkdir()
    for name in ("documents.yaml", "facts.yaml"):
        shutil.copy2(src / name, root / name)
    for name in ("schema", "sources"):
        shutil.copytree(src / name, root / name)
    (root / CLAUSE_FILE).parent.mkdir(parents=True)
    shutil.copy2(src / CLAUSE_FILE, root / CLAUSE_FILE)
    return root


def time_loads(path: Path | None, n: int, cache: bool = True) -> tuple[list[int], int]:
    """Wall time of fresh load_rulebook() calls; with the cache, after one call that writes its entry."""
    times = []
    rules = 0
    if cache:
        policyrules.load_rulebook(path)
    for _ in range(n):
        gc.collect()
        t0 = time.perf_counter_ns()
        book = policyrules.load_rulebook(path, cache=cache)
        t1 = time.perf_counter_ns()
        times.append(t1 - t0)
        rules = len(book.rules)
        del book
    return times, rules


# ----------------------------------------------------------------------------- agreement


def pairs(decision: policyrules.Decision) -> set[tuple[str, str]]:
    return {(f.rule_id, f.subject.id) for f in decision.findings}


def check_agreement(book: policyrules.Rulebook, cases: Sequence[dict[str, Any]], label: str, explain: bool = True) -> int:
    """Abort unless policyrules and the baseline give the same pairs on every case."""
    rule_ids = {rule.id for rule in book.rules}
    if rule_ids != set(baseline.RULE_IDS):
        sys.exit(f"ABORT: the 六、1 rulebook's rules {sorted(rule_ids ^ set(baseline.RULE_IDS))} differ from the baseline's RULE_IDS")
    decisions = book.evaluate_many(cases, explain=explain)
    total = 0
    for i, (case, decision) in enumerate(zip(cases, decisions)):
        expected = baseline.decide(case, case["as_of"])
        got = pairs(decision)
        if len(set(expected)) != len(expected) or got != set(expected):
            sys.exit(
                f"ABORT: policyrules (explain={explain}) and the baseline disagree on {label} case #{i} ({case['case']}, as_of {case['as_of']}).\n"
                f"  only policyrules: {sorted(got - set(expected))}\n"
                f"  only baseline:    {sorted(set(expected) - got)}"
                + ("\n  (the baseline reported a pair twice)" if len(set(expected)) != len(expected) else "")
                + f"\n  case: {case!r}"
            )
        total += len(got)
    return total


# ----------------------------------------------------------------------------- timing


def latencies(fn: Callable[[dict[str, Any]], Any], cases: Sequence[dict[str, Any]]) -> list[int]:
    out = []
    clock = time.perf_counter_ns
    gc.collect()
    for case in cases:
        t0 = clock()
        fn(case)
        out.append(clock() - t0)
    return out


def throughput(run_batch: Callable[[], Any], n: int, min_seconds: float) -> float:
    """cases/s: whole batches of n cases, run until min_seconds have passed."""
    gc.collect()
    done = 0
    t0 = time.perf_counter_ns()
    while True:
        run_batch()
        done += n
        elapsed = time.perf_counter_ns() - t0
        if elapsed >= min_seconds * 1e9:
            return done / (elapsed / 1e9)


def engine_vs_generated(book: policyrules.Rulebook, cases: Sequence[dict[str, Any]], rounds: int) -> tuple[float, float, int]:
    """(engine µs per case, generated Python µs per case, firings), the same facts through both.

    The engine stage is `Engine.run` on the cases' flat facts (what durable_rules fires,
    derived facts chained). The yardstick is plain Python generated from the same condition
    IR (`policyrules.codegen.compile_statuses`, one function per subject type, three-valued,
    a rule firing when it is `codegen.APPLIES`). Before timing, both must fire the same (rule, subject)
    pairs on every case, or the run aborts. Each figure is the fastest of `rounds` passes.
    """
    from policyrules.codegen import APPLIES, compile_statuses

    by_subject: dict[str, list[Any]] = {}
    for rule in book.rules:
        by_subject.setdefault(rule.subject, []).append(rule)
    generated = {subject: (tuple(r.index for r in rules), compile_statuses(rules)) for subject, rules in by_subject.items()}
    facts = [book._prepare(case, case["as_of"])[2] for case in cases]

    def plain() -> list[list[tuple[int, str]]]:
        out = []
        for case_facts in facts:
            fired = []
            for fact in case_facts:
                indices, statuses = generated[fact["_kind"]]
                eid = fact["_eid"]
                fired.extend((index, eid) for index, code in zip(indices, statuses(fact)) if code == APPLIES)
            out.append(fired)
        return out

    def engine() -> list[list[tuple[int, str]]]:
        return book._engine.run(facts)

    firings = 0
    for i, (e, g) in enumerate(zip(engine(), plain(), strict=True)):
        if set(e) != set(g):
            sys.exit(f"ABORT: the engine and the generated Python fire differently on case #{i}: {sorted(set(e) ^ set(g))[:5]}")
        firings += len(set(e))
    best = {"engine": float("inf"), "plain": float("inf")}
    for _ in range(rounds):
        for label, fn in (("engine", engine), ("plain", plain)):
            gc.collect()
            t0 = time.perf_counter_ns()
            fn()
            best[label] = min(best[label], (time.perf_counter_ns() - t0) / 1000 / len(facts))
    return best["engine"], best["plain"], firings


def _worker(args: tuple[list[dict[str, Any]], float]) -> tuple[int, float]:
    cases, seconds = args
    book = policyrules.load_rulebook()
    book.evaluate_many(cases[:50], explain=False)
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        book.evaluate_many(cases, explain=False)
        done += len(cases)
    return done, time.perf_counter() - t0


def process_rates(cases: Sequence[dict[str, Any]], counts: Sequence[int], seconds: float) -> dict[int, float]:
    """cases/s summed over N processes deciding at once (explain=False, full rulebook, one Rulebook each)."""
    import multiprocessing

    out = {}
    context = multiprocessing.get_context("spawn")
    for n in counts:
        with context.Pool(n) as pool:
            results = pool.map(_worker, [(list(cases), seconds)] * n)
        out[n] = sum(done / elapsed for done, elapsed in results)
    return out


def pct(values: Sequence[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def reset_peak_rss() -> bool:
    """Reset the process's peak RSS (Linux: clear_refs 5 resets VmHWM and ru_maxrss)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def batch_memory(book: policyrules.Rulebook, cases: Sequence[dict[str, Any]]) -> tuple[int, int]:
    """(peak RSS growth, tracemalloc peak) over one evaluate_many(cases), results kept until it returns.

    Peak RSS growth is ru_maxrss after the batch minus RSS before it, the peak having been
    reset first; where it cannot be reset, growth of ru_maxrss (0 if an earlier peak was higher).
    """
    gc.collect()
    before = rss_bytes() if reset_peak_rss() else maxrss_bytes()
    decisions = book.evaluate_many(cases)
    grown = maxrss_bytes() - before
    del decisions
    gc.collect()
    tracemalloc.start()
    decisions = book.evaluate_many(cases)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del decisions
    return grown, peak


def leak_check(book: policyrules.Rulebook, cases: Sequence[dict[str, Any]], first: int, last: int, chunk: int) -> tuple[int, int]:
    """RSS after `first` and after `last` cases evaluated (evaluate_many in chunks, results dropped)."""
    done = 0
    rss_first = 0
    gc.collect()
    while done < last:
        batch = [cases[(done + k) % len(cases)] for k in range(chunk)]
        book.evaluate_many(batch)
        done += chunk
        if done == first:
            gc.collect()
            rss_first = rss_bytes()
    gc.collect()
    return rss_first, rss_bytes()


# ----------------------------------------------------------------------------- report


def source_state() -> str:
    """' (commit abc1234)' for a git checkout, with ', src/ or rules/ modified' if so."""
    root = Path(policyrules.__file__).resolve().parents[2]
    if not (root / "src" / "policyrules").is_dir():
        return ""  # an installed package, not a source checkout
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "rules"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    if head.returncode != 0:
        return ""
    return f" (commit {head.stdout.strip()}{', src/ or rules/ modified' if dirty.stdout.strip() else ''})"

MiB = 1024 * 1024


def pad(text: str, width: int) -> str:
    """Left-justify for a terminal: CJK characters take two columns."""
    cells = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - cells)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast run: few hundred cases, < 30 s")
    parser.add_argument("--seed", type=int, default=20180104)
    args = parser.parse_args(argv)

    if args.quick:
        n_cases, n_loads, repeats, min_s, leak = 300, 3, 3, 0.2, (200, 2000, 200)
    else:
        n_cases, n_loads, repeats, min_s, leak = 3000, 10, 3, 1.0, (2000, 20000, 1000)
    started = time.perf_counter()
    cases = make_cases(n_cases, args.seed)
    extra_cases = make_cases(max(100, n_cases // 5), args.seed + 1, extra=True)
    warm = cases[: min(200, len(cases))]

    print(f"policyrules benchmark ({'--quick' if args.quick else 'default'} run, seed {args.seed})")
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; durable_rules {importlib.metadata.version('durable_rules')}; "
        f"policyrules {importlib.metadata.version('policyrules')}{source_state()}"
    )

    with tempfile.TemporaryDirectory(prefix="policyrules-bench-") as tmp:
        clause_dir = clause_rulebook_dir(Path(tmp))

        # 1. load + compile (from the cache, after one load that writes it; and afresh)
        full_loads, full_rules = time_loads(None, n_loads)
        fresh_loads, _ = time_loads(None, max(2, n_loads // 3), cache=False)
        clause_loads, clause_rules = time_loads(clause_dir, n_loads)
        clause_fresh, _ = time_loads(clause_dir, max(2, n_loads // 3), cache=False)
        clause_book = policyrules.load_rulebook(clause_dir)
        full_book = policyrules.load_rulebook()

        # agreement, before any timing
        clause_findings = check_agreement(clause_book, cases, "generated")
        if check_agreement(clause_book, cases, "generated", explain=False) != clause_findings:
            sys.exit("ABORT: explain=False found a different number of findings")
        extra_findings = check_agreement(clause_book, extra_cases, "agreement-only (labourer/government)")
        with_findings = sum(1 for c in cases if baseline.decide(c, c["as_of"]))
        full_decisions = full_book.evaluate_many(cases)
        full_findings = sum(len(d.findings) for d in full_decisions)
        full_with = sum(1 for d in full_decisions if d.findings)
        del full_decisions

        # 2-4. latency and throughput: baseline, policyrules on 六、1, policyrules on everything
        def base_one(case: dict[str, Any]) -> Any:
            return baseline.decide(case, case["as_of"])

        def base_batch() -> Any:
            decide = baseline.decide
            return [decide(case, case["as_of"]) for case in cases]

        methods = (
            ("baseline", base_one, base_batch),
            ("clause", lambda c: clause_book.evaluate(c, as_of=c["as_of"]), lambda: clause_book.evaluate_many(cases)),
            (
                "clause-fast",
                lambda c: clause_book.evaluate(c, as_of=c["as_of"], explain=False),
                lambda: clause_book.evaluate_many(cases, explain=False),
            ),
            ("full", lambda c: full_book.evaluate(c, as_of=c["as_of"]), lambda: full_book.evaluate_many(cases)),
            (
                "full-explained",
                lambda c: full_book.evaluate(c, as_of=c["as_of"]).explanation,
                lambda: [d.explanation for d in full_book.evaluate_many(cases)],
            ),
            (
                "full-fast",
                lambda c: full_book.evaluate(c, as_of=c["as_of"], explain=False),
                lambda: full_book.evaluate_many(cases, explain=False),
            ),
        )
        for _, one, _ in methods:  # warm up
            for case in warm:
                one(case)
        # Rounds interleave the methods, so a burst of noise on the machine spoils one round
        # of one method; each figure is the median over the rounds.
        rounds: dict[str, list[dict[str, float]]] = {label: [] for label, _, _ in methods}
        for _ in range(repeats):
            for label, one, batch in methods:
                lat = latencies(one, cases)
                rounds[label].append(
                    {
                        "median": statistics.median(lat) / 1000,
                        "p95": pct(lat, 0.95) / 1000,
                        "mean": statistics.fmean(lat) / 1000,
                        "rate": throughput(batch, len(cases), min_s),
                    }
                )
        results = {label: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for label, rs in rounds.items()}

        # the engine stage against plain Python generated from the same condition IR
        stage = {"full": engine_vs_generated(full_book, cases, repeats), "clause": engine_vs_generated(clause_book, cases, repeats)}
        procs = process_rates(cases[:500], (1, min(2, os.cpu_count() or 1)), 1.0 if args.quick else 3.0)

        # 5. memory and leak check
        clause_mem = batch_memory(clause_book, cases)
        full_mem = batch_memory(full_book, cases)
        rss_first, rss_last = leak_check(full_book, cases, *leak)

    elapsed = time.perf_counter() - started

    # ------------------------------------------------------------------ print
    def share(k: int) -> str:
        return f"{100 * k / len(cases):.0f}%"

    before = sum(1 for c in cases if c["as_of"] < IN_FORCE)
    print(f"cases: {len(cases)} generated (1 student + household + school + 1-2 regions; {share(before)} dated before 2018-01-04)")
    print(f"findings, clause 六、1:   {clause_findings:>6} in {with_findings} cases ({share(with_findings)} of cases have one)")
    print(f"findings, full rulebook: {full_findings:>6} in {full_with} cases ({share(full_with)})")
    print(
        f"agreement: policyrules (六、1 only, explain=True and False) == baseline on all {len(cases)} cases, "
        f"and on {len(extra_cases)} more with a labourer and a government ({extra_findings} findings)"
    )
    print()
    print(f"rulebook load + compile: {n_loads} fresh load_rulebook() calls")
    print(f"  {pad('', 40)}{'rules':>6}{'median ms':>11}{'min ms':>11}")
    for name, loads, rules in (
        ("bundled rulebook (full), cached", full_loads, full_rules),
        ("bundled rulebook (full), afresh", fresh_loads, full_rules),
        ("clause 六、1 only, cached", clause_loads, clause_rules),
        ("clause 六、1 only, afresh", clause_fresh, clause_rules),
    ):
        print(f"  {pad(name, 40)}{rules:>6}{statistics.median(loads) / 1e6:>11.1f}{min(loads) / 1e6:>11.1f}")
    print()
    print(f"evaluation of the {len(cases)} cases")
    print(f"  latency: one evaluate(case, as_of=...) call per case; throughput: evaluate_many(cases); median of {repeats} rounds")
    print(f"  {pad('', 40)}{'median µs':>11}{'p95 µs':>11}{'mean µs':>11}{'cases/s':>11}")
    b, c, q, f = results["baseline"], results["clause"], results["clause-fast"], results["full"]

    def row(name: str, r: dict[str, Any]) -> None:
        print(f"  {pad(name, 40)}{r['median']:>11.1f}{r['p95']:>11.1f}{r['mean']:>11.1f}{r['rate']:>11,.0f}")

    def ratio(name: str, r: dict[str, Any]) -> None:
        cells = (r["median"] / b["median"], r["p95"] / b["p95"], r["mean"] / b["mean"], b["rate"] / r["rate"])
        print(f"  {pad(name, 40)}" + "".join(f"{x:>10.0f}x" for x in cells))

    row("baseline: plain Python, 六、1", b)
    row("policyrules, 六、1 only", c)
    ratio("  ratio policyrules / baseline", c)
    row("policyrules, 六、1 only, explain=False", q)
    ratio("  ratio policyrules / baseline", q)
    row("policyrules, full bundled rulebook", f)
    row("  the same, explanation built", results["full-explained"])
    row("  the same, explain=False", results["full-fast"])
    print()
    print("engine stage (durable_rules firing and chaining, Engine.run on the flat facts) against plain Python")
    print("generated from the same condition IR (codegen.py); same firings checked on every case first")
    print(f"  {pad('', 40)}{'engine µs':>11}{'Python µs':>11}{'ratio':>8}{'firings':>9}")
    for name, key in (("full bundled rulebook", "full"), ("clause 六、1 only", "clause")):
        e, g, n = stage[key]
        print(f"  {pad(name, 40)}{e:>11.1f}{g:>11.1f}{e / g:>7.1f}x{n:>9}")
    print()
    print(f"processes (full rulebook, explain=False, {len(cases[:500])} cases repeated; each process its own Rulebook)")
    for n, rate in procs.items():
        print(f"  {n} process{'es' if n > 1 else '  '} {rate:>11,.0f} cases/s   ({rate / procs[1]:.2f}x one process)")
    print()
    ff, fe = results["full-fast"], results["full"]
    e_full, g_full, _ = stage["full"]
    targets = (
        ("load + compile (cached), median ms", statistics.median(full_loads) / 1e6, "<=", 1000),
        ("single case, explain=True, median µs", fe["median"], "<=", 1000),
        ("single case, explain=True, p95 µs", fe["p95"], "<=", 3000),
        ("single case, explain=False, median µs", ff["median"], "<=", 300),
        ("batch, explain=False, cases/s (one core)", ff["rate"], ">=", 5000),
        ("engine stage / generated Python", e_full / g_full, "<=", 5),
    )
    print("targets (full bundled rulebook)")
    for name, value, op, goal in targets:
        ok = value <= goal if op == "<=" else value >= goal
        print(f"  {pad(name, 44)}{value:>11,.1f}   target {op} {goal:<6} {'met' if ok else 'MISSED'}")
    print()
    print(f"memory over one evaluate_many({len(cases)} cases), decisions kept until it returns")
    print(f"  {pad('', 40)}{'tracemalloc peak MiB':>22}{'peak RSS growth MiB':>22}")
    for name, (grown, peak) in (("policyrules, 六、1 only", clause_mem), ("policyrules, full bundled rulebook", full_mem)):
        print(f"  {pad(name, 40)}{peak / MiB:>22.1f}{grown / MiB:>22.1f}")
    first, last, chunk = leak
    print(f"leak check (full rulebook; evaluate_many in chunks of {chunk}, results dropped; RSS after gc.collect())")
    print(f"  RSS after {first:>6,} cases {rss_first / MiB:8.1f} MiB")
    print(f"  RSS after {last:>6,} cases {rss_last / MiB:8.1f} MiB   ({(rss_last - rss_first) / 1024 / ((last - first) / 1000):+.1f} KiB per 1000 cases)")
    print(f"total run time {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
