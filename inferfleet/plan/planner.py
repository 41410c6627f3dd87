"""Plan stacks offline: load the spec, plan linked stacks first, run the program, build the document."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from inferfleet import PROJECT
from inferfleet.errors import SpecError
from inferfleet.plan.document import build_document
from inferfleet.plan.model import Plan
from inferfleet.plan.runtime import run_program
from inferfleet.spec.links import check_links
from inferfleet.spec.load import StackConfig, list_stacks, load_stack


class Planner:
    """Plans stacks of one `stacks/` folder, each at most once per planner.

    A StackReference to a sibling resolves from the sibling's own offline plan outputs, so
    linked stacks plan with no hand-written mock outputs; siblings are planned first.
    """

    def __init__(self, stacks_dir: Path, *, project: str = PROJECT) -> None:
        self.stacks_dir = stacks_dir
        self.project = project
        self._plans: dict[str, Plan] = {}
        self._stacks: dict[str, StackConfig] = {}
        self._planning: list[str] = []

    def plan(self, name: str) -> Plan:
        if name in self._plans:
            return self._plans[name]
        stack = self._load(name)
        self._planning.append(name)
        try:
            self._plan_links(stack)
            from inferfleet.program import main

            capture = run_program(
                main,
                project=self.project,
                stack=name,
                config=stack.config,
                resolve_stack_outputs=self._outputs_of,
            )
        finally:
            self._planning.pop()
        fleet = stack.fleet
        document = build_document(
            capture,
            project=self.project,
            stack=name,
            stack_version=fleet.version,
            env=fleet.env,
            cloud=fleet.cloud,
            region=fleet.region,
        )
        self._plans[name] = document
        return document

    def _load(self, name: str) -> StackConfig:
        if name not in self._stacks:
            self._stacks[name] = load_stack(self.stacks_dir, name)
        return self._stacks[name]

    def _plan_links(self, stack: StackConfig) -> None:
        known = list_stacks(self.stacks_dir)
        for index, link in enumerate(stack.fleet.links):
            where = f"fleet.links[{index}].stack"
            if link.stack not in known:
                raise SpecError(
                    stack.file, where, f"no stack {link.stack!r} in {self.stacks_dir} (known: {', '.join(known)})"
                )
            cycle = self._link_cycle(link.stack, [*self._planning], known)
            if cycle:
                text = " -> ".join(cycle)
                raise SpecError(stack.file, where, f"links form a cycle ({text}); declare a link on one side only")
        siblings = {link.stack: self._load(link.stack) for link in stack.fleet.links}
        check_links(stack, siblings)
        for link in stack.fleet.links:
            self.plan(link.stack)

    def _link_cycle(self, name: str, path: list[str], known: list[str]) -> list[str] | None:
        """The chain of links from `path` through `name` back into `path`, found from the specs alone.

        Cycles are found before any link is checked or any sibling planned, so they are reported as such.
        """
        if name in path:
            return [*path, name]
        for link in self._load(name).fleet.links:
            if link.stack in known:
                cycle = self._link_cycle(link.stack, [*path, name], known)
                if cycle:
                    return cycle
        return None

    def _outputs_of(self, sibling: str) -> dict[str, Any]:
        if sibling not in self._plans:
            # Only declared links are planned ahead; anything else is a program bug, not user input.
            raise SpecError(
                str(self.stacks_dir), "", f"the program referenced stack {sibling!r}, which no link of this stack names"
            )
        outputs: dict[str, Any] = self._plans[sibling]["outputs"]
        return outputs


def plan_program(
    program: Callable[[], None],
    *,
    stack: str = "test",
    config: Mapping[str, Any] | None = None,
    stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    env: str = "dev",
    cloud: str = "",
    region: str = "",
    stack_version: str = "0.0.0",
) -> Plan:
    """Plan any program (e.g. one component) under the mock runtime and return its plan document.

    What module tests use: the same capture and document as `inferfleet plan`, without a stack file.
    """
    siblings = stack_outputs or {}

    def resolve(name: str) -> Mapping[str, Any]:
        return siblings[name]

    capture = run_program(program, project=PROJECT, stack=stack, config=config or {}, resolve_stack_outputs=resolve)
    return build_document(
        capture,
        project=PROJECT,
        stack=stack,
        stack_version=stack_version,
        env=env,
        cloud=cloud,
        region=region,
        settings_required=False,
    )
