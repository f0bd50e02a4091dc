"""The wheel carries the rulebook: installed anywhere, `policyrules` finds its rules.

Builds the real wheel (as `pip install .` does), installs it into an empty folder, and
runs the CLI from an unrelated working directory with that folder first on the path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_installed_wheel_finds_the_bundled_rulebook(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("policyrules-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "policyrules/rules/documents.yaml" in names
    assert "policyrules/rules/schema/rule-file.schema.json" in names
    assert "policyrules/rules/sources/anyang-2018-2.txt" in names
    assert any(n.startswith("policyrules/rules/clauses/anyang-2018-2/") for n in names)
    assert "policyrules/py.typed" in names  # PEP 561: type checkers read the package's annotations
    assert "policyrules/rules/schema/decision.schema.json" in names and "policyrules/rules/schema/case.schema.json" in names

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(target))
    probe = "import policyrules.resources as r, policyrules as p; print(r.bundled_rulebook()); print(len(p.load_rulebook().rules))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    location, count = result.stdout.split()
    assert Path(location).is_relative_to(target), location
    assert int(count) > 0

    case = ROOT / "examples" / "neihuang-secondary-student.yaml"
    cli = subprocess.run(
        [sys.executable, "-c", "from policyrules.cli import main; main()", "evaluate", str(case)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 0, cli.stderr
    assert "安政办〔2018〕2号" in cli.stdout
    assert "每生每年2000元标准发放国家助学金" in cli.stdout
    assert (target / "policyrules" / "py.typed").is_file()

    # A second install elsewhere writes the same decision record, byte for byte.
    second = tmp_path / "another" / "place"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(second), str(wheel)],
        check=True,
        capture_output=True,
    )
    records = []
    for site in (target, second):
        run = subprocess.run(
            [sys.executable, "-c", "from policyrules.cli import main; main()", "evaluate", str(case), "--format", "json"],
            cwd=elsewhere,
            env=dict(os.environ, PYTHONPATH=str(site)),
            capture_output=True,
            check=True,
        )
        records.append(run.stdout)
    assert records[0] == records[1]
    assert str(tmp_path).encode() not in records[0]


def test_durable_rules_patch_only_swaps_the_call_python_3_13_removed() -> None:
    """The project's patch to durable-rules changes nothing but PyEval_CallObject → PyObject_CallObject."""
    patch = (ROOT / "patches" / "durable-rules-2.0.28-py313.patch").read_text(encoding="utf-8").splitlines()
    removed = [line[1:] for line in patch if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in patch if line.startswith("+") and not line.startswith("+++")]
    assert removed and len(removed) == len(added)
    assert all("PyEval_CallObject(" in line for line in removed)
    assert [line.replace("PyEval_CallObject(", "PyObject_CallObject(") for line in removed] == added
    assert {line.split()[1] for line in patch if line.startswith("--- ")} == {"a/src/rulespy/rules.c"}


def test_durable_rules_set_up_is_idempotent_and_offline_once_installed() -> None:
    """Run again where durable_rules_engine imports, the set-up script does nothing (no download)."""
    env = dict(os.environ, PIP_NO_INDEX="1")  # a download attempt would fail
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "install-durable-rules.sh"), sys.executable], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


def test_the_engine_imports_on_this_interpreter() -> None:
    """The suite runs on 3.11 and 3.13 in CI; on each the native engine must load and run a ruleset."""
    import durable_rules_engine as native

    handle = native.create_ruleset(f"probe_{sys.version_info.minor}", '{"r": {"all": [{"m": {"x": 1}}]}}')
    assert isinstance(handle, int)
    native.delete_ruleset(handle)
