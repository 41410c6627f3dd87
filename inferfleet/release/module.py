"""`inferfleet module release`: a module version whose bump matches its API change, published, then tagged.

Order (each step refuses before anything is written or sent):
1. the module exists, its declared version is semver and above the last release, its folder is clean;
2. the API at the last release (git tag `modules/<folder>/vX.Y.Z`, read in a temporary worktree;
   without a tag, the newest wheel on the registry) is compared with the working tree's; the declared
   bump must be the one the API changes call for; a major needs `UPGRADE-<major>.0.md`;
3. the CHANGELOG entry (API changes + commit subjects since the last tag) is written and committed;
4. wheel and sdist are built (`python -m build`) and uploaded with twine (retried, skipping files
   already there, so a half-finished upload completes);
5. only when both files are on the index is the tag created.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import semver

from inferfleet.errors import EngineError, InputError
from inferfleet.gitrepo import Repository
from inferfleet.release.api import (
    ApiChange,
    Bump,
    ModuleApi,
    compare,
    declared_version,
    read_api,
    required_bump,
    resolve_module,
)
from inferfleet.release.registry import (
    RegistryCredentialsError,
    RegistryError,
    download,
    newest_release,
    registry_url,
    releases,
)
from inferfleet.review import markdown

UPLOAD_ATTEMPTS = 3
BUILD_TIMEOUT_SECONDS = 300
UPLOAD_TIMEOUT_SECONDS = 120
_ENTRY_HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\]", re.MULTILINE)


class ReleaseRefusedError(InputError):
    """The release does not meet a rule (bump, version, tree, UPGRADE note): nothing was written or sent."""


@dataclass
class ReleasePlan:
    distribution: str
    folder: Path
    version: str
    tag: str
    base: str | None
    """What the API was compared with: the last tag, `<registry> <version>`, or None for a first release."""
    base_version: str | None
    changes: list[ApiChange]
    required: Bump
    declared: Bump | None
    changelog_entry: str
    files: list[str] = field(default_factory=list)
    uploaded: bool = False
    tagged: bool = False


def tag_prefix(folder: Path) -> str:
    """`modules/<folder>/v` for a module, `lib/<folder>/v` for a shared library."""
    return f"{folder.parent.name}/{folder.name}/v"


def released_versions(repo: Repository, folder: Path) -> list[semver.Version]:
    prefix = tag_prefix(folder)
    listed = repo.git("tag", "--list", f"{prefix}*").stdout.split()
    versions = []
    for tag in listed:
        try:
            versions.append(semver.Version.parse(tag[len(prefix) :]))
        except ValueError:
            continue
    return sorted(versions)


def bump_between(old: semver.Version, new: semver.Version) -> Bump:
    if new.major != old.major:
        return Bump.MAJOR
    if new.minor != old.minor:
        return Bump.MINOR
    return Bump.PATCH


def _parse_version(version: str, where: Path) -> semver.Version:
    try:
        parsed = semver.Version.parse(version)
    except ValueError as exc:
        raise ReleaseRefusedError(
            f"{where / 'pyproject.toml'}: project.version {version[:40]!r} is not semver (X.Y.Z)"
        ) from exc
    if parsed.prerelease or parsed.build:
        raise ReleaseRefusedError(f"{where / 'pyproject.toml'}: project.version {version}: releases are plain X.Y.Z")
    return parsed


def _check_clean(repo: Repository, folder: Path) -> None:
    relative = folder.resolve().relative_to(repo.root.resolve()).as_posix()
    dirty = repo.git("status", "--porcelain", "--untracked-files=normal", "--", relative).stdout.splitlines()
    if dirty:
        shown = ", ".join(line[3:] for line in dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise ReleaseRefusedError(
            f"{relative}: uncommitted changes ({shown}); a release builds and tags committed code",
            hint="commit or discard them first",
        )


def _api_at_tag(repo: Repository, folder: Path, tag: str, distribution: str, version: str) -> ModuleApi:
    relative = folder.resolve().relative_to(repo.root.resolve()).as_posix()
    with tempfile.TemporaryDirectory(prefix="inferfleet-release-") as scratch:
        worktree = Path(scratch) / "tree"
        repo.git("worktree", "add", "--detach", "--quiet", str(worktree), f"refs/tags/{tag}")
        try:
            return read_api(worktree / relative, distribution=distribution, version=version)
        finally:
            repo.git("worktree", "remove", "--force", str(worktree), check=False)


MAX_WHEEL_SOURCE_BYTES = 32 * 1024 * 1024
"""Most bytes of Python source unpacked from a released wheel (a module's are tens of KiB): no zip bomb."""
MAX_WHEEL_MEMBERS = 5_000


def _api_from_registry(registry: str, distribution: str) -> tuple[ModuleApi, str] | None:
    newest = newest_release(registry, distribution)
    if newest is None:
        return None
    version = str(newest.version)
    if not semver.Version.is_valid(version):
        raise RegistryError(
            f"registry {registry}: the newest release of {distribution}, {version}, is not MAJOR.MINOR.PATCH "
            "(modules are released with semver); it is not one of ours to compare with"
        )
    wheels = [name for name in newest.files if name.endswith(".whl")]
    if not wheels:
        raise RegistryError(f"registry {registry}: {distribution} {version} has no wheel to compare with")
    with tempfile.TemporaryDirectory(prefix="inferfleet-release-") as scratch:
        wheel = download(registry, distribution, wheels[0], Path(scratch))
        unpacked = Path(scratch) / "unpacked"
        try:
            _unpack_sources(wheel, unpacked)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
            raise RegistryError(f"registry {registry}: {wheels[0]} is not a wheel that can be read ({exc})") from None
        return read_api(unpacked, distribution=distribution, version=version), version


def _unpack_sources(wheel: Path, target: Path) -> None:
    """The wheel's Python sources, within bounds on their count and their unpacked size."""
    with zipfile.ZipFile(wheel) as archive:
        members = [
            info
            for info in archive.infolist()
            if info.filename.endswith(".py")
            and ".." not in info.filename.split("/")
            and not info.filename.startswith("/")
        ]
        if len(members) > MAX_WHEEL_MEMBERS:
            raise zipfile.BadZipFile(f"more than {MAX_WHEEL_MEMBERS} Python files")
        budget = MAX_WHEEL_SOURCE_BYTES
        for info in members:
            destination = target / info.filename
            destination.parent.mkdir(parents=True, exist_ok=True)
            # The sizes in the archive's directory can lie: what is unpacked is counted as it comes.
            with archive.open(info) as source, destination.open("wb") as out:
                while chunk := source.read(64 * 1024):
                    budget -= len(chunk)
                    if budget < 0:
                        raise zipfile.BadZipFile(
                            f"its Python sources unpack to more than {MAX_WHEEL_SOURCE_BYTES} bytes"
                        )
                    out.write(chunk)


def commit_subjects(repo: Repository, folder: Path, since: str | None) -> list[str]:
    relative = folder.resolve().relative_to(repo.root.resolve()).as_posix()
    revisions = f"refs/tags/{since}..HEAD" if since else "HEAD"
    completed = repo.git("log", "--no-merges", "--format=%s", revisions, "--", relative)
    return [line for line in completed.stdout.splitlines() if line.strip()]


_SECTIONS = (
    ("Removed", ("removed ",)),
    ("Added", ("added ",)),
    ("Deprecated", ("deprecated ",)),
    ("Changed", ("input ", "output ", "changed ")),
)


def changelog_entry(version: str, changes: list[ApiChange], subjects: list[str], date: dt.date) -> str:
    """A Keep a Changelog entry: the API changes by kind, then the commits since the last release."""
    lines = [f"## [{version}] - {date.isoformat()}"]
    for title, prefixes in _SECTIONS:
        matching = [change for change in changes if change.text.startswith(prefixes)]
        if matching:
            lines += ["", f"### {title}", ""]
            lines += [f"- {markdown.text(change.text)} ({change.bump})" for change in matching]
    if subjects:
        lines += ["", "### Commits", ""]
        lines += [f"- {markdown.text(subject)}" for subject in subjects[:50]]
    if not changes and not subjects:
        lines += ["", "No API change."]
    return "\n".join(lines) + "\n"


def _with_entry(changelog: Path, version: str, entry: str) -> str | None:
    """The changelog with `entry` above the newest entry; None when `version` already has one (a retried release)."""
    text = changelog.read_text(encoding="utf-8")
    headings = list(_ENTRY_HEADING.finditer(text))
    if any(heading["version"] == version for heading in headings):
        return None
    if not headings:
        return text.rstrip("\n") + "\n\n" + entry
    first = headings[0]
    return text[: first.start()] + entry + "\n" + text[first.start() :]


def plan_release(root: Path, name: str, *, registry: str | None, today: dt.date | None = None) -> ReleasePlan:
    """Every check of a release, and its changelog entry; nothing is written or sent."""
    distribution, folder = resolve_module(root, name)
    repo = Repository.containing(folder.resolve())
    version_text = declared_version(folder)
    version = _parse_version(version_text, folder)
    _check_clean(repo, folder)
    released = released_versions(repo, folder)
    new_api = read_api(folder, distribution=distribution, version=version_text)
    base: str | None = None
    base_version: semver.Version | None = None
    old_api: ModuleApi | None = None
    if released:
        base_version = released[-1]
        base = f"{tag_prefix(folder)}{base_version}"
        old_api = _api_at_tag(repo, folder, base, distribution, str(base_version))
    elif registry is not None:
        found = _api_from_registry(registry_url(registry), distribution)
        if found is not None:
            old_api, text = found
            base, base_version = f"{registry} {text}", semver.Version.parse(text)
    if base_version is not None and version <= base_version:
        raise ReleaseRefusedError(
            f"{distribution} {version}: not above the last release {base_version}",
            hint=f"raise project.version in {folder / 'pyproject.toml'}",
        )
    changes = compare(old_api, new_api) if old_api is not None else []
    required = required_bump(changes)
    declared = bump_between(base_version, version) if base_version is not None else None
    # A larger bump than the API calls for is the author's to declare: a module can break its users without
    # changing its API (a default resource setting that now forces a replacement), which no API check sees.
    if declared is not None and declared < required:
        listed = "; ".join(change.text for change in changes if change.bump == required)
        raise ReleaseRefusedError(
            f"{distribution} {base_version} -> {version} is a {declared} release, but the API changes call for a "
            f"{required} release ({listed})",
            hint=f"declare the next {required} version in {folder / 'pyproject.toml'}",
        )
    if declared == Bump.MAJOR and not (folder / f"UPGRADE-{version.major}.0.md").is_file():
        breaking = "; ".join(change.text for change in changes if change.bump == Bump.MAJOR)
        raise ReleaseRefusedError(
            f"{distribution} {version} is a major release but {folder / f'UPGRADE-{version.major}.0.md'} is missing",
            hint=f"write what broke and how to migrate ({breaking})",
        )
    since = base if released else None
    entry = changelog_entry(
        version_text, changes, commit_subjects(repo, folder, since), today or dt.datetime.now(dt.UTC).date()
    )
    return ReleasePlan(
        distribution=distribution,
        folder=folder,
        version=version_text,
        tag=f"{tag_prefix(folder)}{version_text}",
        base=base,
        base_version=str(base_version) if base_version is not None else None,
        changes=changes,
        required=required,
        declared=declared,
        changelog_entry=entry,
    )


def release(
    root: Path,
    name: str,
    *,
    registry: str | None,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> ReleasePlan:
    """Check, write the CHANGELOG entry, build, upload, and tag only after the index holds both files."""
    url = registry_url(registry)
    plan = plan_release(root, name, registry=url, today=today)
    if dry_run:
        return plan
    repo = Repository.containing(plan.folder.resolve())
    changelog = plan.folder / "CHANGELOG.md"
    updated = _with_entry(changelog, plan.version, plan.changelog_entry)
    if updated is not None:
        from inferfleet.cli.console import write_atomically

        write_atomically(changelog, updated)
        relative = changelog.resolve().relative_to(repo.root.resolve()).as_posix()
        repo.git("commit", "--quiet", "-m", f"Release {plan.distribution} {plan.version}", "--", relative)
    with tempfile.TemporaryDirectory(prefix="inferfleet-dist-") as scratch:
        dist = Path(scratch) / "dist"
        files = build(_committed_copy(repo, plan.folder, Path(scratch) / "source"), dist)
        plan.files = [path.name for path in files]
        upload(url, plan.distribution, plan.version, files)
    missing = sorted(set(plan.files) - set(index_hashes(url, plan.distribution, plan.version)))
    if missing:
        raise RegistryError(f"registry {url}: the upload finished but {', '.join(missing)} is not listed; not tagged")
    plan.uploaded = True
    message = f"{plan.distribution} {plan.version}\n\n{plan.changelog_entry}"
    repo.git("tag", "--annotate", "--message", message, "--end-of-options", plan.tag, "HEAD")
    plan.tagged = True
    return plan


def _committed_copy(repo: Repository, folder: Path, target: Path) -> Path:
    """The module folder as committed at HEAD (`git archive`): the packages hold exactly the tagged code."""
    relative = folder.resolve().relative_to(repo.root.resolve()).as_posix()
    target.mkdir(parents=True)
    archive = target / "source.tar"
    repo.git("archive", "--format=tar", f"--output={archive}", "HEAD", "--", relative)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target / relative


def build(folder: Path, dist: Path) -> list[Path]:
    """Wheel and sdist with `python -m build`, using this environment's build backend (no download)."""
    command = [
        sys.executable,
        "-m",
        "build",
        "--no-isolation",
        "--sdist",
        "--wheel",
        "--outdir",
        str(dist),
        str(folder),
    ]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        raise EngineError(f"building {folder.name} took over {BUILD_TIMEOUT_SECONDS} s") from exc
    if completed.returncode != 0:
        raise EngineError(f"building {folder.name} failed: {completed.stderr.strip()[-600:]}")
    files = sorted(dist.glob("*.whl")) + sorted(dist.glob("*.tar.gz"))
    if len(files) != 2:
        raise EngineError(f"building {folder.name} made {[f.name for f in files]}, expected one wheel and one sdist")
    return files


def upload(registry: str, distribution: str, version: str, files: list[Path]) -> None:
    """twine upload of the files the index does not hold yet, retried: a retry finishes a partial upload.

    A file already on the index must be the same bytes (its sha256 from the index link); twine's
    --skip-existing is for PyPI only, so the check is done here.
    """
    last = ""
    for attempt in range(UPLOAD_ATTEMPTS):
        held = index_hashes(registry, distribution, version)
        pending = []
        for path in files:
            if path.name not in held:
                pending.append(path)
            elif held[path.name] not in (None, hashlib.sha256(path.read_bytes()).hexdigest()):
                raise RegistryError(
                    f"registry {registry}: already holds a different {path.name}; a released file is never replaced",
                    hint="declare a new version",
                )
        if not pending:
            return
        failure = _twine(registry, pending)
        if failure is None:
            continue
        last = failure
        if re.search(r"\b(401|403)\b", last):
            raise RegistryCredentialsError(
                f"registry {registry}: credentials refused ({last})",
                hint="set TWINE_USERNAME and TWINE_PASSWORD (or a keyring entry) for this index; nothing was tagged",
            )
        if re.search(r"\b4\d\d\b", last) and "429" not in last:
            raise RegistryError(f"registry {registry}: upload rejected ({last}); nothing was tagged")
        time.sleep(0.5 * (attempt + 1))
    held = index_hashes(registry, distribution, version)
    missing = [path.name for path in files if path.name not in held]
    if missing:
        raise RegistryError(
            f"registry {registry}: upload failed after {UPLOAD_ATTEMPTS} attempts ({last}); "
            f"{', '.join(missing)} not on the index; nothing was tagged",
            hint="rerun the release: files already uploaded are kept",
        )


def index_hashes(registry: str, distribution: str, version: str) -> dict[str, str | None]:
    """File name -> sha256 (None when the index gives none) of the files the index holds for a version."""
    held: dict[str, str | None] = {}
    for release_ in releases(registry, distribution):
        if str(release_.version) == version:
            held.update(release_.hashes)
    return held


def _twine(registry: str, files: list[Path]) -> str | None:
    """Run twine once; None on success, else the line that says what went wrong (twine never prints the password)."""
    command = [
        sys.executable, "-m", "twine", "--no-color", "upload", "--non-interactive", "--disable-progress-bar",
        "--repository-url", registry, *map(str, files),
    ]  # fmt: skip
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=UPLOAD_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        return f"twine took over {UPLOAD_TIMEOUT_SECONDS} s"
    if completed.returncode == 0:
        return None
    return _twine_reason(completed.stdout + completed.stderr)


def _twine_reason(output: str) -> str:
    """The line of twine's output that says what went wrong (twine never prints the password)."""
    lines = [" ".join(line.split()) for line in output.splitlines() if line.strip()]
    for line in reversed(lines):
        if "HTTPError" in line or "ERROR" in line or "Connection" in line or re.search(r"\b[45]\d\d\b", line):
            return line[:300]
    return (lines[-1] if lines else "no output")[:300]
