"""Shared fixtures: synthetic rulebooks built in tmp_path from the bundled registry.

The bundled documents, fact schema, JSON Schemas and source texts are copied; the clause
files are written by each test, so behaviour tests never depend on the bundled encoding.

Every test function runs in a forked child process (see `pytest_pyfunc_call` below): the
native rules engine can kill the interpreter (SIGSEGV / SIGABRT), and one such crash must
fail one test, not end the whole run. Fixtures are set up in the parent, so a test cannot
change a shared (module-scoped) fixture for the next one. A test still running after
TEST_TIMEOUT seconds is killed and failed, so a hang cannot stall the run. Set
POLICYRULES_TESTS_NO_FORK=1 to run in-process (e.g. with --pdb).

The process that forks must have one thread (checked before every fork; see `_run_forked`).
Importing pyarrow, pandas, numpy, dask or distributed starts threads, so test modules and
fixtures, which run in that process, do not import them: the tests do, in the child.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import sys
import textwrap
import threading
import traceback
from pathlib import Path
from typing import Any

import pytest

import policyrules
from policyrules.resources import bundled_rulebook

BUNDLED = bundled_rulebook()
TEST_TIMEOUT = 600  # seconds a forked test may run before it is killed and failed

# Real sentences of the source texts (quotes must be verbatim).
ANYANG = "anyang-2018-2"
ANYANG_QUOTE = "对中等职业学校全日制正式学籍建档立卡贫困家庭学生，按照每生每年2000元标准发放国家助学金"
MOE = "moe-2019-4"
MOE_QUOTE = "聚焦建档立卡贫困家庭学生及有培训需求的贫困劳动力"
MOHRSS = "mohrss-2019-2"  # dated only "2019" in the registry
MOHRSS_QUOTE = "各级人力资源社会保障部门要制定本地区技工院校服务脱贫攻坚工作方案"
QUOTED_CLAUSE = {ANYANG: "六、1", MOE: "二、", MOHRSS: "（三）"}  # the clause each quote above is in


def make_rulebook(root: Path, facts_text: str | None = None) -> Path:
    """A rulebook folder with the bundled registry, schema and sources and no clause files."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(BUNDLED / "documents.yaml", root / "documents.yaml")
    if facts_text is None:
        shutil.copy(BUNDLED / "facts.yaml", root / "facts.yaml")
    else:
        (root / "facts.yaml").write_text(facts_text, encoding="utf-8")
    shutil.copytree(BUNDLED / "schema", root / "schema")
    shutil.copytree(BUNDLED / "sources", root / "sources")
    (root / "clauses").mkdir()
    return root


def write_rule_file(root: Path, name: str, yaml_text: str) -> Path:
    """Write clauses/<name> (name like 'anyang-2018-2/90-1.yaml'); returns the path."""
    path = root / "clauses" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(yaml_text).lstrip("\n"), encoding="utf-8")
    return path


def flow(value: Any) -> str:
    """A value as one line of YAML (JSON is YAML)."""
    return json.dumps(value, ensure_ascii=False)


def rule_item(
    rule_id: str,
    *,
    document: str = ANYANG,
    subject: str = "student",
    modality: str = "entitlement",
    when: Any = None,
    jurisdiction: Any = None,
    effect_key: str | None = None,
    in_force: Any = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """One rule as YAML lines (a list item, indented for a `rules:` list)."""
    quote = {ANYANG: ANYANG_QUOTE, MOE: MOE_QUOTE, MOHRSS: MOHRSS_QUOTE}[document]
    if jurisdiction is None:
        jurisdiction = "none" if document != ANYANG else {"via": {"student": "school.region", "school": "region", "region": "self"}.get(subject, "region")}
    key = effect_key or rule_id.rsplit("/", 1)[-1].replace("-", "_")
    lines = [
        f"  - id: {rule_id}",
        f"    title: {flow('规则 ' + rule_id)}",
        f"    modality: {modality}",
        f"    subject: {subject}",
        f"    bearer: {flow({'entity': subject, 'label': '对象'})}",
        f"    jurisdiction: {flow(jurisdiction)}",
    ]
    if when is not None:
        lines.append(f"    when: {flow(when)}")
    named = {"key": key, "label": "结论 " + key}
    lines.append(f"    {'derives' if modality == 'derived' else 'effect'}: {flow(named)}")
    if in_force is not None:
        lines.append(f"    in_force: {flow(in_force)}")
    for name, value in (extra or {}).items():
        lines.append(f"    {name}: {flow(value)}")
    lines.append(f"    quotes: [{flow(quote)}]")
    return "\n".join(lines) + "\n"


def anchor_item(subject: str = "student") -> str:
    """A national rule with no condition, in force since 1990: it applies to every `subject`.

    Behaviour tests add it so that some rule matches in every engine session; a session in
    which nothing matches once crashed the interpreter inside durable_rules, and is tested
    on its own (test_engine.py::test_case_matching_no_rule_does_not_crash and neighbours).
    """
    return rule_item(f"syn/anchor-{subject}", document=MOE, subject=subject, in_force={"from": "1990"}, effect_key=f"anchor_{subject}")


def rule_file(document: str, clause: str, *items: str) -> str:
    return f"document: {document}\nclause: {flow(clause)}\nrules:\n" + "".join(items)


def line_of(text: str, marker: str, occurrence: int = 1) -> int:
    """1-based line number of the n-th line containing marker."""
    seen = 0
    for number, line in enumerate(textwrap.dedent(text).lstrip("\n").splitlines(), start=1):
        if marker in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{marker!r} not in text")


GRANT_WHEN = {
    "all": [
        {"field": "school.level", "op": "==", "value": "secondary"},
        {"field": "full_time", "op": "==", "value": True},
        {"field": "formal_enrolment", "op": "==", "value": True},
        {"field": "household.poverty_registered", "op": "==", "value": True},
    ]
}


def anyang_case(**student: Any) -> dict[str, Any]:
    """A 建档立卡 中职 student in 内黄县, 安阳市 (the README's example case).

    Keyword arguments change the student's fields: None writes null (unknown), `...` leaves
    the field out (also unknown).
    """
    fields = {"id": "s1", "school": "sch", "household": "h1", "full_time": True, "formal_enrolment": True}
    fields.update(student)
    fields = {k: v for k, v in fields.items() if v is not ...}
    return {
        "case": "name",
        "region": [{"id": "nh", "province": "河南省", "city": "安阳市", "county": "内黄县"}],
        "school": {"id": "sch", "region": "nh", "level": "secondary", "kind": "secondary_specialised", "ownership": "public"},
        "household": {"id": "h1", "region": "nh", "poverty_registered": True},
        "student": fields,
    }


@pytest.fixture
def rules_root(tmp_path: Path) -> Path:
    """An empty synthetic rulebook (registry, facts, schemas, sources; no clauses)."""
    return make_rulebook(tmp_path / "rules")


@pytest.fixture
def grant_root(rules_root: Path) -> Path:
    """A synthetic rulebook: an Anyang grant rule, a national rule and the student anchor."""
    write_rule_file(
        rules_root,
        f"{ANYANG}/06-1.yaml",
        rule_file(ANYANG, "六、1", rule_item("syn/grant", when=GRANT_WHEN, extra={"amount": {"value": 2000, "unit": "CNY", "period": "per_student_per_year"}})),
    )
    write_rule_file(
        rules_root,
        f"{MOE}/03.yaml",
        rule_file(MOE, "二、", anchor_item(), rule_item("syn/national-poor", document=MOE, when={"field": "household.poverty_registered", "op": "==", "value": True})),
    )
    return rules_root


@pytest.fixture
def grant_book(grant_root: Path) -> policyrules.Rulebook:
    return policyrules.load_rulebook(grant_root)


# --------------------------------------------------------------------------- crash isolation


def _short_traceback(limit: int = 120) -> str:
    """The current exception's traceback, cut in the middle when huge (RecursionError)."""
    lines = traceback.format_exc().splitlines()
    if len(lines) > limit:
        lines = lines[:20] + [f"... ({len(lines) - limit} lines cut) ..."] + lines[-(limit - 20):]
    return "\n".join(lines)


def _thread_count() -> int:
    """This process's threads: on Linux the kernel's count (native threads too, such as those
    pyarrow's or numpy's libraries start, which Python does not know of), else Python's."""
    if sys.platform.startswith("linux"):
        return len(os.listdir("/proc/self/task"))
    return threading.active_count()


def _run_forked(pyfuncitem: pytest.Function) -> None:
    """Run one test function in a forked child; fail it if the child crashes, hangs or fails.

    Only the forking thread exists in the child: a lock another thread of the parent held
    at the fork (in malloc, an allocator's background thread, a thread pool, the import
    system) stays held for ever there, and the test can deadlock (Python 3.12+ warns "This
    process is multi-threaded, use of fork() may lead to deadlocks in the child"). So the
    parent must have one thread when it forks; if it has more the test fails, naming the
    count, rather than running in a child that may hang.
    """
    threads = _thread_count()
    if threads != 1:
        pytest.fail(
            f"the test process has {threads} threads before forking this test (it must have 1: "
            "a module-level import or a fixture started threads; import such libraries inside the test)",
            pytrace=False,
        )
    testfunction = pyfuncitem.obj
    funcargs = pyfuncitem.funcargs
    testargs = {arg: funcargs[arg] for arg in pyfuncitem._fixtureinfo.argnames}
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child runs the test and reports through the pipe
        os.close(read_fd)
        code, report = 0, b""
        try:
            testfunction(**testargs)
        except pytest.skip.Exception as exc:
            code, report = 3, str(exc.msg).encode("utf-8", "replace")
        except BaseException:  # noqa: BLE001 - every failure goes back to the parent
            code, report = 1, _short_traceback().encode("utf-8", "replace")
        try:
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(report)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        ready, _, _ = select.select([pipe], [], [], TEST_TIMEOUT)
        if not ready:  # a hang fails this test, not the whole run
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"the test did not finish within {TEST_TIMEOUT} s (killed)", pytrace=False)
        report = pipe.read().decode("utf-8", "replace")
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        pytest.fail(f"the interpreter running this test was killed by {name} (a crash in native code)", pytrace=False)
    code = os.WEXITSTATUS(status)
    if code == 3:
        pytest.skip(report)
    if code != 0:
        pytest.fail(report or f"the test process exited with status {code}", pytrace=False)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if os.environ.get("POLICYRULES_TESTS_NO_FORK") or not hasattr(os, "fork"):
        return None
    _run_forked(pyfuncitem)
    return True


def amend_national_grant(rules: Path) -> None:
    """In a copied rulebook, 安政办〔2018〕2号's 国家助学金 raised from 2000元 to 2500元 (source text,
    quotes and amount alike): a policy change batch --compare and the Dask path can detect."""
    old, new = "每生每年2000元标准发放国家助学金", "每生每年2500元标准发放国家助学金"
    for path in [rules / "sources" / "anyang-2018-2.txt", *(rules / "clauses").rglob("*.yaml")]:
        text = path.read_text(encoding="utf-8")
        if old in text:
            path.write_text(text.replace(old, new), encoding="utf-8")
    rule_file = rules / "clauses" / "anyang-2018-2" / "06-1.yaml"
    text = rule_file.read_text(encoding="utf-8")
    at = text.index("value: 2000", text.index("id: anyang-2018-2/06-1/national-grant"))
    rule_file.write_text(text[:at] + "value: 2500" + text[at + len("value: 2000"):], encoding="utf-8")
