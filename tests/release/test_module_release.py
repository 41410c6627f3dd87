"""Module releases against a real pypiserver on loopback, from a throw-away clone of this repository.

What is real: pypiserver (htpasswd via passlib, uploads and downloads authenticated, no fallback),
`python -m build`, twine, git tags and worktrees, pip installing into a fresh virtualenv from that
index only. What is not: the installed module's dependencies (pulumi and the provider SDKs) are
not fetched from the index; pip installs with --no-deps and the virtualenv then sees this
environment's site-packages through a .pth file, so the module itself comes from the index.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from stackfiles import REPO

from inferfleet.cli.app import main
from inferfleet.release.registry import add_user, serve_arguments

pytestmark = pytest.mark.slow
USER, PASSWORD = "platform", "s3cret-for-tests"
VPC_EXAMPLE = "aws-transit-gateway-peering"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("registry")
    add_user(folder / ".htpasswd", USER, PASSWORD)
    port = _free_port()
    arguments = serve_arguments(
        folder / "packages", port=port, htpasswd=folder / ".htpasswd", authenticated_downloads=True
    )
    (folder / "packages").mkdir()
    server = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "health", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWINE_USERNAME", USER)
    monkeypatch.setenv("TWINE_PASSWORD", PASSWORD)


def _git(clone: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(clone), *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clone of this repository's HEAD, where the test changes modules, commits and tags."""
    target = tmp_path / "repo"
    subprocess.run(["git", "clone", "--quiet", "--local", "--no-hardlinks", str(REPO), str(target)], check=True)
    _git(target, "config", "user.email", "release-test@example.com")
    _git(target, "config", "user.name", "Release Test")
    for tag in _git(target, "tag", "--list", "modules/*").split():
        _git(target, "tag", "-d", tag)
    return target


def _edit(clone: Path, relative: str, old: str, new: str) -> None:
    path = clone / relative
    text = path.read_text()
    assert old in text, f"{relative}: {old!r} not found"
    path.write_text(text.replace(old, new, 1))


def _set_version(clone: Path, version: str) -> None:
    pyproject = clone / "modules/vpc/pyproject.toml"
    pyproject.write_text(re.sub(r'(?m)^version = "[^"]+"', f'version = "{version}"', pyproject.read_text()))


def _commit(clone: Path, message: str) -> None:
    _git(clone, "add", "--all")
    _git(clone, "commit", "--quiet", "--message", message)


def _release(clone: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, object], str]:
    capsys.readouterr()
    code = main(["module", "release", "vpc", "--root", str(clone), "--json", *extra])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out else {}), captured.err


ADD_OPTIONAL = (
    "modules/vpc/inferfleet_vpc/args.py",
    "    protect: bool = field(",
    '    flow_logs: bool = field(default=False, metadata=_doc("Record VPC flow logs. Default: False."))\n'
    "    protect: bool = field(",
)


REMOVE_NAT_OUTPUT = (
    "modules/vpc/inferfleet_vpc/vpc.py",
    "    nat_gateway_id: pulumi.Output[str | None] = field("
    'metadata=doc("Id of the NAT gateway (None without nat_gateway)."))\n',
    "",
)


def _current_version(clone: Path) -> str:
    match = re.search(r'(?m)^version = "([^"]+)"', (clone / "modules/vpc/pyproject.toml").read_text())
    assert match
    return match[1]


def _next(version: str, part: str) -> str:
    major, minor, patch = (int(x) for x in version.split("."))
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0", "patch": f"{major}.{minor}.{patch + 1}"}[
        part
    ]


def _venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return venv


def _pip(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # This environment's pip, aimed at the fresh virtualenv (no pip inside it, nothing from PyPI).
    command = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "--disable-pip-version-check"]
    return subprocess.run([*command, *args], capture_output=True, text=True, check=False, timeout=300)


def _index(registry: str, password: str = PASSWORD) -> str:
    return registry.replace("http://", f"http://{USER}:{password}@") + "simple/"


def test_release_install_plan_and_pin_a_range(
    registry: str, clone: Path, tmp_path: Path, credentials: None, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _current_version(clone)
    code, said = _release_named(clone, "components", registry, capsys)  # the library the module requires
    assert code == 0, said
    code, released, _ = _release(clone, capsys, "--registry", registry)
    assert code == 0, released
    assert released["tagged"]
    assert released["uploaded"]
    assert released["base"] is None
    assert sorted(released["files"]) == [f"inferfleet_vpc-{first}-py3-none-any.whl", f"inferfleet_vpc-{first}.tar.gz"]
    assert _git(clone, "tag", "--list", "modules/vpc/*").split() == [f"modules/vpc/v{first}"]

    # A second release: a new optional input is a minor change.
    _edit(clone, *ADD_OPTIONAL)
    second = _next(first, "minor")
    _set_version(clone, second)
    _commit(clone, "vpc: flow logs switch")
    code, released, _ = _release(clone, capsys, "--registry", registry)
    assert code == 0, released
    assert released["declared_bump"] == released["required_bump"] == "minor"
    assert released["changes"] == [
        {"bump": "minor", "change": "added optional input VpcArgs.flow_logs (default False)"}
    ]
    changelog = (clone / "modules/vpc/CHANGELOG.md").read_text()
    entry = changelog[changelog.index(f"## [{second}]") : changelog.index(f"## [{first}]")]
    assert "### Added" in entry
    assert "VpcArgs\\.flow\\_logs" in entry
    assert "flow logs switch" in entry
    tag_message = _git(clone, "tag", "--list", "--format=%(contents)", f"modules/vpc/v{second}")
    assert tag_message.startswith(f"inferfleet-vpc {second}")
    assert "flow\\_logs" in tag_message
    assert (
        _git(clone, "log", "-1", "--format=%s", f"modules/vpc/v{second}").strip() == f"Release inferfleet-vpc {second}"
    )

    # Without a local tag, the last release is the newest wheel on the registry.
    for tag in _git(clone, "tag", "--list", "modules/*").split():
        _git(clone, "tag", "-d", tag)
    _edit(clone, *REMOVE_NAT_OUTPUT)
    _set_version(clone, _next(second, "minor"))
    _commit(clone, "drop nat_gateway_id")
    code, _, err = _release(clone, capsys, "--dry-run", "--registry", registry)
    assert code == 2, err
    assert f"inferfleet-vpc {second} -> {_next(second, 'minor')} is a minor release" in " ".join(err.split())
    assert "removed output Vpc.nat_gateway_id" in err

    _install_pin_and_plan(registry, tmp_path, first, second)
    _check_modules(registry, first, second, capsys)


def _install_pin_and_plan(registry: str, tmp_path: Path, first: str, second: str) -> None:
    """Another team pins a range with plain pip, from this index only, and plans an example with the wheel."""
    venv = _venv(tmp_path)
    upper = f"<{_next(first, 'minor')}"
    pins = (f"inferfleet-vpc>={first},{upper}", "inferfleet-components>=0.1,<1")
    installed = _pip(venv, "install", "--no-deps", "--index-url", _index(registry), *pins)
    assert installed.returncode == 0, installed.stderr
    site = next((venv / "lib").glob("python3.*/site-packages"))
    assert (site / f"inferfleet_vpc-{first}.dist-info").is_dir()
    upgraded = _pip(
        venv, "install", "--no-deps", "--index-url", _index(registry), "--upgrade", f"inferfleet-vpc>={first}"
    )
    assert upgraded.returncode == 0, upgraded.stderr
    assert (site / f"inferfleet_vpc-{second}.dist-info").is_dir()
    assert not (site / f"inferfleet_vpc-{first}.dist-info").exists()

    # The installed wheel (not this checkout) plans one of its examples; the plan says where it came from.
    this_site = next(Path(p) for p in sys.path if p.endswith("site-packages") and (Path(p) / "pulumi").is_dir())
    (site / "zz_toolkit_environment.pth").write_text(f"{this_site}\n{REPO}\n")
    script = f"""
import json, runpy, inferfleet_vpc
from inferfleet.plan import plan_program
plan = plan_program(lambda: runpy.run_path({str(REPO / "modules/vpc/examples" / VPC_EXAMPLE / "__main__.py")!r}))
print(json.dumps({{"file": inferfleet_vpc.__file__, "modules": plan["modules"], "sources": plan["module_sources"],
                   "vpcs": sum(r["type"] == "inferfleet:vpc:Vpc" for r in plan["resources"])}}))
"""
    ran = subprocess.run(
        [str(venv / "bin" / "python"), "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    result = json.loads(ran.stdout.strip().splitlines()[-1])
    assert result["file"].startswith(str(site))
    assert result["modules"] == {"inferfleet-vpc": second}
    assert result["sources"] == {"inferfleet-vpc": "index"}
    assert result["vpcs"] == 2

    # Downloads are authenticated: a wrong password installs nothing.
    refused = _pip(
        _venv(tmp_path / "other"), "install", "--no-deps", "--index-url", _index(registry, "wrong"), "inferfleet-vpc"
    )
    assert refused.returncode != 0
    # pip sees no version at all (the index answers 401), where the right password found both.
    assert "from versions: none" in refused.stderr


def _check_modules(registry: str, first: str, second: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Who uses what: the reference stacks' plans use this checkout's modules; the registry has newer ones."""
    capsys.readouterr()
    assert main(["modules", "check", "--registry", registry, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    vpc_rows = [row for row in rows if row["module"] == "inferfleet-vpc"]
    assert vpc_rows
    assert {row["newest"] for row in vpc_rows} == {second}
    assert all(row["upgrade"] == "minor" for row in vpc_rows if row["version"] == first)
    assert all(row["source"] == "workspace" for row in rows)
    gpu_rows = [row for row in rows if row["module"] == "inferfleet-gpu-instance"]
    assert gpu_rows
    assert all(row["newest"] is None and row["upgrade"] == "none" for row in gpu_rows)


def test_release_refusals_write_send_and_tag_nothing(
    registry: str, clone: Path, credentials: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _current_version(clone)
    _git(clone, "tag", f"modules/vpc/v{first}", "HEAD")  # the last release, compared from a worktree

    def refused(expected: str, *extra: str, code: int = 2) -> None:
        before = (_git(clone, "rev-parse", "HEAD"), _git(clone, "tag", "--list"))
        got, _, err = _release(clone, capsys, "--registry", registry, *extra)
        assert got == code, err
        assert re.search(expected, " ".join(err.split())), err
        assert (_git(clone, "rev-parse", "HEAD"), _git(clone, "tag", "--list")) == before

    # Not above the last release, and not semver.
    refused(rf"not above the last release {re.escape(first)}")
    _set_version(clone, "1.2")
    _commit(clone, "bad version")
    refused(r"project\.version '1\.2' is not semver")

    # Uncommitted changes in the module's folder.
    _set_version(clone, _next(first, "minor"))
    refused(r"modules/vpc: uncommitted changes \(modules/vpc/pyproject\.toml\)")
    _commit(clone, "minor bump")

    # A minor release that removes an output is refused, naming the change.
    _edit(clone, *REMOVE_NAT_OUTPUT)
    _commit(clone, "drop nat_gateway_id")
    refused(r"is a minor release, but the API changes call for a major release \(removed output Vpc\.nat_gateway_id\)")
    _git(clone, "revert", "--no-edit", "HEAD")

    # Adding an optional input: a minor is accepted; a major is the author's call (a module can break
    # its users without changing its API), with the UPGRADE note every major needs.
    _edit(clone, *ADD_OPTIONAL)
    _commit(clone, "flow logs")
    got, released, err = _release(clone, capsys, "--dry-run", "--registry", registry)
    assert got == 0, err
    assert released["declared_bump"] == "minor"
    assert released["tagged"] is False
    major = _next(first, "major")
    _set_version(clone, major)
    _commit(clone, "major bump")
    refused(rf"{re.escape(major)} is a major release but .*UPGRADE-{major.split('.')[0]}\.0\.md is missing")
    (clone / "modules/vpc" / f"UPGRADE-{major.split('.')[0]}.0.md").write_text("# Upgrading\n\nNew subnets.\n")
    _commit(clone, "upgrade note")
    got, released, err = _release(clone, capsys, "--dry-run", "--registry", registry)
    assert got == 0, err
    assert (released["declared_bump"], released["required_bump"]) == ("major", "minor")
    _git(clone, "rm", "-q", f"modules/vpc/UPGRADE-{major.split('.')[0]}.0.md")
    _commit(clone, "no upgrade note yet")

    # A changed default and an optional input made required call for a major, which needs its UPGRADE note.
    _edit(clone, "modules/vpc/inferfleet_vpc/args.py", "default=(8000,)", "default=(8080,)")
    _edit(
        clone,
        "modules/vpc/inferfleet_vpc/args.py",
        "    nat_gateway: bool = field(\n        default=False, metadata=",
        "    nat_gateway: bool = field(\n        metadata=",
    )
    _commit(clone, "breaking changes")
    refused(rf"{re.escape(major)} is a major release but .*UPGRADE-{major.split('.')[0]}\.0\.md is missing")
    (clone / "modules/vpc" / f"UPGRADE-{major.split('.')[0]}.0.md").write_text("# Upgrading\n\nSet nat_gateway.\n")
    _commit(clone, "upgrade note")
    got, released, err = _release(clone, capsys, "--dry-run", "--registry", registry)
    assert got == 0, err
    changes = {change["change"]: change["bump"] for change in released["changes"]}
    assert changes["input VpcArgs.model_ports: default (8000,) -> (8080,)"] == "major"
    assert changes["input VpcArgs.nat_gateway: optional -> required"] == "major"

    _registry_failures_tag_nothing(clone, registry, major, capsys, monkeypatch)


def _registry_failures_tag_nothing(
    clone: Path, registry: str, major: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The registry unreachable, or refusing the credentials: nothing is tagged."""
    closed = f"http://127.0.0.1:{_free_port()}/"
    got, _, err = _release(clone, capsys, "--registry", closed)
    assert got == 3, err
    assert "unreachable" in err
    assert _git(clone, "tag", "--list", f"modules/vpc/v{major}") == ""
    monkeypatch.setenv("TWINE_PASSWORD", "wrong")
    got, _, err = _release(clone, capsys, "--registry", registry)
    assert got == 2, err
    assert "credentials refused" in err
    assert _git(clone, "tag", "--list", f"modules/vpc/v{major}") == ""

    # Unknown module.
    capsys.readouterr()
    assert main(["module", "release", "storage", "--root", str(clone), "--registry", registry]) == 2
    assert "no such module" in capsys.readouterr().err


def test_used_by_lists_the_stacks_of_a_module(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["modules", "used-by", "vpc", "--json"]) == 0
    uses = json.loads(capsys.readouterr().out)
    stacks = sorted(
        path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in (REPO / "stacks").glob("Pulumi.*.yaml")
    )
    assert [use["stack"] for use in uses] == stacks
    assert {use["source"] for use in uses} == {"workspace"}
    version = uses[0]["version"]
    assert main(["modules", "used-by", "inferfleet-vpc", "--version", f">{version}", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["modules", "used-by", "vpc", "--version", "not a spec"]) == 2
    assert "not a version specifier" in capsys.readouterr().err


def _release_named(clone: Path, name: str, registry: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["module", "release", name, "--root", str(clone), "--registry", registry, "--json"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_shared_libraries_are_released_and_a_module_installs_with_them_from_the_index(
    registry: str, clone: Path, tmp_path: Path, credentials: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """inferfleet-components and inferfleet-hostfiles are released like modules (tags lib/<name>/vX.Y.Z)
    and the module's requirements on them are satisfied from the index. Honest limit: the index holds
    only our distributions, so third-party requirements (pulumi, the provider SDKs) are not installed
    from it; the module and the libraries are installed without dependency resolution, each library by
    the exact requirement the module's wheel declares."""
    for library in ("components", "hostfiles"):
        code, said = _release_named(clone, library, registry, capsys)
        assert code == 0, said
        assert f"lib/{library}/v0.1.0" in _git(clone, "tag", "--list", "lib/*")
    code, said = _release_named(clone, "gpu_instance", registry, capsys)
    assert code == 0, said

    venv = _venv(tmp_path)
    installed = _pip(venv, "install", "--no-deps", "--index-url", _index(registry), "inferfleet-gpu-instance")
    assert installed.returncode == 0, installed.stderr
    site = next((venv / "lib").glob("python3.*/site-packages"))
    (metadata,) = site.glob("inferfleet_gpu_instance-*.dist-info/METADATA")
    requirements = sorted(
        line.removeprefix("Requires-Dist: ").strip()
        for line in metadata.read_text().splitlines()
        if line.startswith("Requires-Dist: inferfleet-")
    )
    assert [re.split(r"[<>=!~ ;]", r)[0] for r in requirements] == ["inferfleet-components", "inferfleet-hostfiles"]
    resolved = _pip(venv, "install", "--no-deps", "--index-url", _index(registry), *requirements)
    assert resolved.returncode == 0, resolved.stderr
    this_site = next(Path(p) for p in sys.path if p.endswith("site-packages") and (Path(p) / "pulumi").is_dir())
    # Third-party packages from this environment, after the venv's own site-packages.
    (site / "zz_third_party.pth").write_text(f"{this_site}\n")
    packages = "inferfleet_gpu_instance, inferfleet_components, inferfleet_hostfiles"
    script = f"import json, {packages}\nprint(json.dumps([m.__file__ for m in ({packages})]))"
    ran = subprocess.run(
        [str(venv / "bin" / "python"), "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    files = json.loads(ran.stdout.strip().splitlines()[-1])
    assert all(file.startswith(str(site)) for file in files), files  # from the index, not the workspace


def test_a_breaking_change_to_the_shared_library_refuses_a_minor_release(
    clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _git(clone, "tag", "--annotate", "--message", "released", "lib/hostfiles/v0.1.0")  # the last release
    package = "lib/hostfiles/inferfleet_hostfiles/__init__.py"
    _edit(clone, package, '    "plain_value",\n', "")
    pyproject = clone / "lib/hostfiles/pyproject.toml"
    pyproject.write_text(re.sub(r'(?m)^version = "[^"]+"', 'version = "0.2.0"', pyproject.read_text()))
    _commit(clone, "hostfiles: plain_value is private now")
    capsys.readouterr()
    code = main(["module", "release", "hostfiles", "--root", str(clone), "--dry-run"])
    error = capsys.readouterr().err
    assert code == 2
    assert "removed function plain_value" in error
    assert "major" in error


def _plans_dir(tmp_path: Path, plan_stack: str, modules: dict[str, str]) -> tuple[Path, Path]:
    """A stacks folder with staging-cn-south, and a plans folder whose staging-cn-south.plan.json holds
    a plan of `plan_stack` using `modules`."""
    stacks, plans = tmp_path / "stacks", tmp_path / "plans"
    stacks.mkdir()
    plans.mkdir()
    shutil.copyfile(REPO / "stacks" / "Pulumi.staging-cn-south.yaml", stacks / "Pulumi.staging-cn-south.yaml")
    fixture = REPO / "policies" / "opa" / "workloads" / "allowed_hardened_service.json"
    plan = {**json.loads(fixture.read_text()), "stack": plan_stack, "modules": modules}
    (plans / "staging-cn-south.plan.json").write_text(json.dumps(plan))
    return stacks, plans


def test_used_by_skips_a_version_no_one_can_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 5,000-digit version part: packaging raised ValueError, an internal error (exit 3)."""
    stacks, plans = _plans_dir(tmp_path, "staging-cn-south", {"inferfleet-vpc": "1." + "9" * 5000})
    capsys.readouterr()
    arguments = ["--stacks-dir", str(stacks), "--plans", str(plans), "--json"]
    assert main(["modules", "used-by", "inferfleet-vpc", "--version", "<2", *arguments]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_saved_plan_of_another_stack_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stacks, plans = _plans_dir(tmp_path, "prod-cn-north", {"inferfleet-vpc": "1.0.0"})
    capsys.readouterr()
    assert main(["modules", "used-by", "inferfleet-vpc", "--stacks-dir", str(stacks), "--plans", str(plans)]) == 2
    assert "holds the plan of stack 'prod-cn-north', not of staging-cn-south" in capsys.readouterr().err
