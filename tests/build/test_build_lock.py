"""A build holds the release lock only for its final step: writes made while it runs succeed
at once and end up in its release; builds run one at a time; a build's folder is never
deleted by another, and a killed one's is by the next build. Real stores, real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.build import journal, pipeline
from service.build.pipeline import BuildFailed, build, sources_fingerprint
from service.build.publish import build_lock, building_folder, remove_leftovers
from service.settings import PROJECT_ROOT, Settings, load_settings
from service.store.release import Release, current_release, releases_dir
from service.writes.apply import apply_write
from service.writes.operations import add_to_graph
from tests.build.conftest import Generated, generated_copy
from tests.conftest import BASE, snapshot, source_copy

ALT_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
PROV = "http://www.w3.org/ns/prov#"


def seed_settings(tmp_path: Path) -> Settings:
    return load_settings({"root": source_copy(tmp_path), "base": BASE}, environ={})


def label(name: str) -> ox.Triple:
    """A valid addition to any dataset of ours: a city's alternative label."""
    return ox.Triple(ox.NamedNode(f"{BASE}id/city/barcelona"), ALT_LABEL,
                     ox.Literal(name, language="en"))


def write(settings: Settings, graph: str, name: str) -> Release:
    published = apply_write(settings, "test", add_to_graph(f"{BASE}graph/{graph}", [label(name)]),
                            "Graph Store POST").release
    assert published is not None
    return published


def holds(release: Release, query: str) -> bool:
    store = ox.Store.read_only(str(release.store_path))
    try:
        return bool(store.query(query))
    finally:
        del store


def has_write(release: Release, graph: str, name: str) -> bool:
    """The label is in ``graph``, with the PROV record of a write that generated it."""
    return holds(release, f"""ASK {{
        GRAPH <{BASE}graph/{graph}> {{ <{BASE}id/city/barcelona> <{ALT_LABEL.value}>
                                       "{name}"@en }}
        GRAPH <{BASE}graph/writes> {{ ?activity a <{PROV}Activity> ;
                                       <{PROV}generated> <{BASE}graph/{graph}> }} }}""")


def building_folders(var: Path) -> list[Path]:
    return sorted(p for p in releases_dir(var).iterdir() if p.name.startswith(".building-"))


def writing_between_rounds(monkeypatch, settings: Settings, rounds: int) -> list[Release]:
    """Make a real write after each of the build's first ``rounds`` preparations (the unlocked
    part of publishing): the writes a build must catch up with. The releases they published."""
    done: list[Release] = []
    prepare = pipeline.prepare_release

    def prepare_then_write(*args, **kwargs):
        prepared = prepare(*args, **kwargs)
        if len(done) < rounds:
            done.append(write(settings, "seed-004", f"written during the build {len(done)}"))
        return prepared

    monkeypatch.setattr(pipeline, "prepare_release", prepare_then_write)
    return done


@pytest.mark.parametrize("unlocked_rounds", [0, 2])
def test_a_write_made_during_a_build_is_in_its_release(tmp_path, monkeypatch, unlocked_rounds):
    settings = seed_settings(tmp_path)
    build(settings)
    monkeypatch.setattr(pipeline, "UNLOCKED_ROUNDS", unlocked_rounds)
    written = writing_between_rounds(monkeypatch, settings, 1)
    release = build(settings)
    assert len(written) == 1
    assert has_write(release, "seed-004", "written during the build 0")
    # the same dataset as the write's release, revising it (its change log is against it)
    assert release.id == written[0].id
    assert release.info["previous"] == written[0].id
    assert release.info["sources"] == sources_fingerprint(settings)  # in step: no rebuild


def test_writes_that_keep_arriving_are_caught_up_with_under_the_lock(tmp_path, monkeypatch):
    settings = seed_settings(tmp_path)
    build(settings)
    rounds = pipeline.UNLOCKED_ROUNDS + 1
    written = writing_between_rounds(monkeypatch, settings, rounds)
    release = build(settings)
    assert len(written) == rounds
    assert all(has_write(release, "seed-004", f"written during the build {n}")
               for n in range(rounds))
    assert release.id == written[-1].id
    assert len(journal.read(settings.data_dir)) == rounds


@pytest.mark.parametrize("unlocked_rounds", [0, 2])
def test_a_write_during_a_build_that_breaks_its_new_sources_publishes_nothing(
        tmp_path, monkeypatch, unlocked_rounds):
    """A write is checked against the live release; the build catching up with it checks it
    against the sources being built, where it may break a shape (a second name for a person
    only the new sources describe)."""
    settings = seed_settings(tmp_path)
    build(settings)
    person = ox.NamedNode(f"{BASE}id/person/newcomer")
    with (settings.data_dir / "editorial.ttl").open("a") as f:
        f.write(f'\n<{person.value}> a <http://xmlns.com/foaf/0.1/Person> ; '
                '<http://xmlns.com/foaf/0.1/name> "Ana Newcomer" .\n')
    monkeypatch.setattr(pipeline, "UNLOCKED_ROUNDS", unlocked_rounds)
    prepare, written = pipeline.prepare_release, []

    def prepare_then_write(*args, **kwargs):
        prepared = prepare(*args, **kwargs)
        if not written:
            name = ox.Triple(person, ox.NamedNode("http://xmlns.com/foaf/0.1/name"),
                             ox.Literal("Ana N."))
            written.append(apply_write(settings, "test", add_to_graph(
                f"{BASE}graph/seed-004", [name]), "Graph Store POST").release)
        return prepared

    monkeypatch.setattr(pipeline, "prepare_release", prepare_then_write)
    with pytest.raises(BuildFailed, match="1 shape violation") as failed:
        build(settings)
    assert any("exactly one foaf:name" in p.message for p in failed.value.report.problems)
    assert written[0] is not None and current_release(settings.var).id == written[0].id


def test_a_build_whose_sources_changed_meanwhile_is_not_marked_in_step(tmp_path, monkeypatch):
    settings = seed_settings(tmp_path)
    build(settings)
    prepare = pipeline.prepare_release

    def prepare_then_edit(*args, **kwargs):
        prepared = prepare(*args, **kwargs)
        if not journal.read(settings.data_dir):
            write(settings, "seed-004", "written during the build")
            (settings.data_dir / "later.ttl").write_text("")  # a file edit the build missed
        return prepared

    monkeypatch.setattr(pipeline, "prepare_release", prepare_then_edit)
    release = build(settings)
    assert has_write(release, "seed-004", "written during the build")
    assert release.info["sources"] != sources_fingerprint(settings)  # serve rebuilds


def test_a_journal_rewritten_during_a_build_publishes_nothing(tmp_path, monkeypatch):
    settings = seed_settings(tmp_path)
    build(settings)
    write(settings, "seed-004", "before the build")
    before = snapshot(settings.var)
    prepare = pipeline.prepare_release

    def prepare_then_remove(*args, **kwargs):
        journal.journal_path(settings.data_dir).unlink()  # folded into the files by hand
        return prepare(*args, **kwargs)

    monkeypatch.setattr(pipeline, "prepare_release", prepare_then_remove)
    with pytest.raises(BuildFailed, match="writes.jsonl was changed other than by appending"):
        build(settings)
    assert snapshot(settings.var) == before
    assert building_folders(settings.var) == []


def test_a_second_build_gives_up_naming_the_running_one(tmp_path):
    settings = replace(seed_settings(tmp_path), lock_timeout=0.3)
    build(settings)
    with build_lock(settings.var), building_folder(settings.var) as running:
        started = time.monotonic()
        with pytest.raises(BuildFailed, match=rf"another build is running \(process "
                                              rf"{os.getpid()}, lock .*\.build-lock\)"):
            build(settings)
        assert time.monotonic() - started < 10
        assert running.is_dir()  # the second build deleted nothing of the first's
    assert building_folders(settings.var) == [running]  # released: a leftover now
    build(settings)
    assert building_folders(settings.var) == []


HOLDER = """
import sys
from pathlib import Path
from service.build.publish import building_folder
with building_folder(Path(sys.argv[1])) as folder:
    print(folder, flush=True)
    sys.stdin.readline()
"""


def test_only_the_folders_of_dead_builds_are_removed(tmp_path):
    var = tmp_path / "var"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(var)], cwd=PROJECT_ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        theirs = Path(holder.stdout.readline().strip())
        dead = releases_dir(var) / ".building-dead"
        (dead / "store").mkdir(parents=True)
        with building_folder(var) as mine:  # removes the leftovers as it starts
            assert theirs.is_dir() and not dead.exists()
            remove_leftovers(var)
            assert mine.is_dir() and theirs.is_dir()
        holder.kill()
        holder.wait()
        remove_leftovers(var)
        assert building_folders(var) == []
    finally:
        holder.kill()
        holder.wait()


# --- real `citynet build` processes on a generated dataset -------------------------------------


def start_build(settings: Settings, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "service.cli", "build", "--root", str(settings.root), "--var",
         str(settings.var), "--base", settings.base_iri],
        cwd=PROJECT_ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


def wait_until_loading(settings: Settings, process: subprocess.Popen) -> Path:
    """The running build's folder, once it has read the journal and is loading its store."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        for folder in building_folders(settings.var):
            if (folder / "store").is_dir():
                return folder
        time.sleep(0.02)
    raise AssertionError("the build never started loading")


@pytest.mark.slow
def test_a_write_during_citynet_build_goes_through_and_into_its_release(
        generated: Generated, tmp_path):
    settings = generated_copy(generated, tmp_path)
    graph = "cities"
    assert f"{BASE}graph/{graph}" in current_release(settings.var).info["graphs"]
    process = start_build(settings, CITYNET_LOCK_TIMEOUT="600")
    try:
        wait_until_loading(settings, process)
        # a lock timeout far shorter than the build: waiting for the build would fail (503)
        written = write(replace(settings, lock_timeout=1.0), graph, "written during the build")
        assert process.poll() is None, "the build ended before the write: nothing was tested"
        out, err = process.communicate(timeout=600)
    finally:
        process.kill()
    assert process.returncode == 0, err
    release = current_release(settings.var)
    assert out.startswith(f"published release {release.id}")
    assert has_write(release, graph, "written during the build")
    assert release.id == written.id and release.info["previous"] == written.id
    assert building_folders(settings.var) == []


@pytest.mark.slow
def test_a_second_citynet_build_fails_clearly_and_the_first_publishes(
        generated: Generated, tmp_path):
    settings = generated_copy(generated, tmp_path)
    live = current_release(settings.var).id
    first = start_build(settings)
    try:
        folder = wait_until_loading(settings, first)
        second = start_build(settings, CITYNET_LOCK_TIMEOUT="1")
        _out, err = second.communicate(timeout=120)
        assert second.returncode == 1
        assert err.count("\n") == 1 and "another build is running" in err
        assert f"process {first.pid}" in err and ".build-lock" in err
        assert first.poll() is None and (folder / "store").is_dir()  # nothing of it deleted
        _out, err = first.communicate(timeout=600)
    finally:
        first.kill()
    assert first.returncode == 0, err
    release = current_release(settings.var)
    assert release.info["previous"] == live and building_folders(settings.var) == []


@pytest.mark.slow
def test_a_killed_build_leaves_the_live_release_and_its_folder_to_the_next(
        generated: Generated, tmp_path):
    settings = generated_copy(generated, tmp_path)
    before = snapshot(settings.var)
    live = current_release(settings.var)
    process = start_build(settings)
    try:
        folder = wait_until_loading(settings, process)
        time.sleep(1.0)  # well into its load
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        process.kill()
    assert snapshot(settings.var) == before and current_release(settings.var).id == live.id
    assert holds(live, f"ASK {{ GRAPH <{BASE}graph/cities> {{ ?s ?p ?o }} }}")
    assert building_folders(settings.var) == [folder]
    # neither lock outlives the killed build: the next one takes both within a second,
    # and removes the killed one's folder
    retry = start_build(settings, CITYNET_LOCK_TIMEOUT="1")
    _out, err = retry.communicate(timeout=600)
    assert retry.returncode == 0, err
    assert building_folders(settings.var) == []
    assert current_release(settings.var).info["previous"] == live.id
