"""Baselines as versioned models: the parse tree round trip, learning (and leaving out an incident
hidden in the "good" logs), the store, damaged model files, analyze --baseline, and drift."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import jsonschema
import polars as pl
import pytest
from conftest import SAMPLE, SHARED, run

from rca.baseline.model import BaselineModel, ModelError, Store, from_json, learn, to_json
from rca.mine.templates import TemplateTree, assign_templates
from rca.pipeline import analyze
from rca.settings import Settings

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _shop(folder: Path, *, minutes: int = 60, incident: tuple[int, int] | None = None, seed: int = 3,
          start: datetime = T0, mix: dict[str, float] | None = None, nagging: bool = False) -> Path:
    """Three services logging requests for ``minutes``; during ``incident`` (minutes from the
    start) the database behind ``stock`` refuses connections and ``orders`` times out calling it.
    ``mix`` reweights the request kinds (a changed template mix). With ``nagging``, ``web`` also
    logs an everyday error every 15 s."""
    rng = random.Random(seed)
    weights = mix or {"list": 0.5, "view": 0.3, "buy": 0.2}
    lines: dict[str, list[str]] = {"web": [], "orders": [], "stock": []}
    t = start
    end = start + timedelta(minutes=minutes)
    while t < end:
        t += timedelta(seconds=rng.expovariate(2.0))
        minute = (t - start).total_seconds() / 60
        stamp = t.strftime("%Y-%m-%d %H:%M:%S,") + f"{t.microsecond // 1000:03d}"
        kind = rng.choices(list(weights), list(weights.values()))[0]
        user, item = rng.randint(1, 9999), rng.randint(1, 500)
        broken = incident is not None and incident[0] <= minute < incident[1]
        if kind == "list":
            lines["web"].append(f"{stamp} INFO [http] GET /items page={rng.randint(1, 9)} user={user} 200")
        elif kind == "view":
            lines["web"].append(f"{stamp} INFO [http] GET /items/{item} user={user} 200")
            lines["stock"].append(f"{stamp} INFO [db] stock level for item {item} is {rng.randint(0, 90)}")
        elif kind == "promo":
            lines["web"].append(f"{stamp} INFO [promo] showing promotion banner {item} to user={user}")
        elif broken:
            lines["stock"].append(f"{stamp} ERROR [db] connection refused by db-1:5432 after {rng.randint(1, 9)} ms")
            lines["orders"].append(f"{stamp} ERROR [client] call to stock timed out after 2000 ms for order {user}")
            lines["web"].append(f"{stamp} WARN [http] POST /orders user={user} 502")
        else:
            lines["stock"].append(f"{stamp} INFO [db] reserved item {item} for order {user}")
            lines["orders"].append(f"{stamp} INFO [service] order {user} placed for item {item}")
            lines["web"].append(f"{stamp} INFO [http] POST /orders user={user} 201")
    if nagging:
        every = [start + timedelta(seconds=s) for s in range(7, minutes * 60, 15)]
        nags = [f"{t.strftime('%Y-%m-%d %H:%M:%S,')}{t.microsecond // 1000:03d} ERROR [cdn] banner cdn-{t.second % 4} unreachable" for t in every]
        lines["web"] = sorted(lines["web"] + nags)
    folder.mkdir(parents=True, exist_ok=True)
    for service, rows in lines.items():
        (folder / f"{service}.log").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


# The parse tree


def test_a_saved_tree_gives_later_logs_the_same_template_ids() -> None:
    first = pl.DataFrame({"message": ["job 1 done in 3 ms", "job 22 done in 9 ms", "cache miss for key a1"]})
    tree = TemplateTree()
    mined = assign_templates(first, tree=tree)
    restored = TemplateTree.from_dict(json.loads(json.dumps(tree.to_dict())))
    assert restored.to_dict() == tree.to_dict()
    later = assign_templates(pl.DataFrame({"message": ["cache miss for key b7", "disk full on /var", "job 5 done in 1 ms"]}),
                             tree=restored)
    ids = dict(zip(mined.get_column("message"), mined.get_column("template_id"), strict=True))
    assert later.get_column("template_id").to_list()[0] == ids["cache miss for key a1"]
    assert later.get_column("template_id").to_list()[2] == ids["job 1 done in 3 ms"]
    assert later.get_column("template_id").to_list()[1] not in ids.values()


def test_a_tree_naming_a_missing_cluster_is_refused() -> None:
    data = TemplateTree().to_dict()
    data["root"] = {"clusters": [7], "children": {}}
    with pytest.raises(ValueError, match="not in the model"):
        TemplateTree.from_dict(data)


# Learning


def test_clean_logs_are_all_normal(tmp_path) -> None:
    model = learn([str(_shop(tmp_path / "good"))], Settings(), name="shop").model
    assert model.excluded == ()
    assert model.records == sum(1 for f in (tmp_path / "good").iterdir() for _ in f.open())
    assert model.normal_s == pytest.approx((model.last - model.first).total_seconds())
    stock = model.rates.filter(pl.col("service") == "stock")
    assert (stock.get_column("n") > 0).all() and (stock.get_column("std") >= 0).all()
    assert model.settings["sim_threshold"] == 0.7 and model.inputs[0].sha256 and model.inputs[0].bytes


def test_an_incident_in_the_good_logs_is_found_and_left_out(tmp_path) -> None:
    folder = _shop(tmp_path / "poisoned", incident=(30, 36))
    model = learn([str(folder)], Settings(), name="shop").model
    assert len(model.excluded) == 1
    stretch = model.excluded[0]
    start, end = T0 + timedelta(minutes=30), T0 + timedelta(minutes=36)
    bucket = timedelta(seconds=model.bucket_s)
    assert start - 2 * bucket <= stretch.start <= start and end <= stretch.end <= end + 2 * bucket
    assert any("connection refused" in s for s in stretch.signals)
    # The incident's templates are known to the tree but have no normal count...
    errors = model.rates.filter(pl.col("template").str.contains("connection refused"))
    assert errors.height == 0 or errors.get_column("n").sum() == 0
    assert any("connection refused" in t for t in model.templates.values())
    # ...and the normal span is the logs' span less the stretch.
    assert model.normal_s == pytest.approx((model.last - model.first).total_seconds() * (1 - (stretch.end - stretch.start) / (model.last - model.first)), rel=0.05)


def test_a_poisoned_baseline_still_names_the_root_of_a_later_incident(tmp_path) -> None:
    model = learn([str(_shop(tmp_path / "poisoned", incident=(30, 36)))], Settings(), name="shop").model
    model = Store(tmp_path / "store").save(model)
    later = _shop(tmp_path / "today", minutes=30, incident=(20, 30), seed=9, start=T0 + timedelta(days=1))
    analysis = analyze([str(later)], Settings(), model=model)
    assert analysis.root_causes[0].service == "stock"
    assert analysis.baseline is not None and analysis.baseline.name == "shop" and analysis.baseline.version == 1


def test_an_everyday_error_the_baseline_had_and_today_lacks_is_not_a_cause(tmp_path) -> None:
    # The good day's web nagged about its banner CDN all along; today it never does (fixed, or
    # another build). Fewer errors than normal is no trouble: the stock outage later today is.
    model = learn([str(_shop(tmp_path / "good", nagging=True))], Settings(), name="shop").model
    later = _shop(tmp_path / "today", minutes=30, incident=(20, 30), seed=9, start=T0 + timedelta(days=1))
    analysis = analyze([str(later)], Settings(), model=model)
    assert analysis.root_causes[0].service == "stock"
    assert not any("banner" in d.template for c in analysis.root_causes for d in c.departures)


def test_the_sample_incident_used_as_a_baseline_is_left_out(tmp_path) -> None:
    model = learn([str(SAMPLE / "checkout-outage")], Settings(), name="shop").model
    assert len(model.excluded) == 1
    stretch = model.excluded[0]
    assert datetime(2026, 11, 23, 10, 41, tzinfo=UTC) <= stretch.start <= datetime(2026, 11, 23, 10, 42, tzinfo=UTC)
    assert stretch.end >= datetime(2026, 11, 23, 10, 50, tzinfo=UTC)


# The store and the file format


def test_each_learn_adds_a_version_and_old_ones_stay(tmp_path) -> None:
    store = Store(tmp_path / "store")
    good = str(_shop(tmp_path / "good", minutes=20))
    first = store.save(learn([good], Settings(), name="shop").model)
    second = store.save(learn([good], Settings(), name="shop").model)
    assert (first.version, second.version) == (1, 2)
    assert store.versions("shop") == [1, 2] and store.names() == ["shop"]
    assert store.load("shop").version == 2 and store.load("shop@1").version == 1
    assert store.load("shop@latest").checksum == second.checksum
    with pytest.raises(ModelError, match="no version '9'"):
        store.load("shop@9")
    with pytest.raises(ModelError, match="no baseline named 'other'"):
        store.load("other")


def test_a_model_survives_a_round_trip_through_its_file(tmp_path) -> None:
    model = learn([str(_shop(tmp_path / "good", minutes=20))], Settings(), name="shop").model
    text, checksum = to_json(model)
    back = from_json(text, "model.json")
    assert back.checksum == checksum
    assert back.rates.equals(model.rates) and back.template_counts.equals(model.template_counts)
    assert back.tree == model.tree and back.body() == model.body()
    document = json.loads(text)  # plain JSON, documented fields: nothing in it can run code
    assert (document["format"], document["format_version"]) == ("rca-baseline", 1)
    assert set(document["body"]) >= {"name", "version", "learned_at", "tool_version", "settings", "inputs", "rates",
                                     "template_counts", "tree", "excluded", "normal_s", "bucket_s"}


@pytest.fixture
def stored(tmp_path) -> tuple[Path, BaselineModel]:
    store = Store(tmp_path / "store")
    model = store.save(learn([str(_shop(tmp_path / "good", minutes=20))], Settings(), name="shop").model)
    return store.path("shop", 1), model


def _damaged(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[:-200]), "not valid JSON"),
        (lambda p: p.write_bytes(b"\x00\xff" * 10), "not valid JSON"),
        (lambda p: _damaged(p, lambda d: d["body"]["rates"]["n"].__setitem__(0, 99999)), "SHA-256 does not match"),
        (lambda p: _damaged(p, lambda d: d.__setitem__("format_version", 2)), "upgrade rca"),
        (lambda p: _damaged(p, lambda d: d.__setitem__("format", "something-else")), "not an rca baseline model"),
    ],
    ids=["truncated", "binary", "tampered", "newer-format", "not-a-model"],
)
def test_a_damaged_model_is_a_clear_error_not_a_wrong_answer(stored, tmp_path, damage, message) -> None:
    path, _ = stored
    damage(path)
    result = run(["analyze", str(SAMPLE / "checkout-outage"), "--baseline", "shop", "--store", str(tmp_path / "store")])
    assert result.exit_code == 4
    assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    listed = run(["baseline", "list", "--json", "--store", str(tmp_path / "store")])  # the others stay listable
    assert listed.exit_code == 0 and message in json.loads(listed.stdout)["baselines"][0]["error"]


def _signed(body: dict) -> str:  # type: ignore[type-arg]
    """A model file for ``body`` with a matching checksum: a deliberate edit, not corruption."""
    import hashlib

    from rca.baseline.model import _canonical

    return json.dumps({"format": "rca-baseline", "format_version": 1,
                       "sha256": hashlib.sha256(_canonical(body)).hexdigest(), "body": body})


def test_a_model_from_another_masking_is_refused(stored) -> None:
    path, model = stored
    body = model.body()
    body["settings"]["masking"] = "0" * 16
    with pytest.raises(ModelError, match="other rules for masking variables"):
        from_json(_signed(body), str(path))


def test_a_signed_model_of_the_wrong_shape_is_malformed(stored) -> None:
    path, model = stored
    body = model.body()
    body["rates"] = {"n": [1]}
    with pytest.raises(ModelError, match="malformed"):
        from_json(_signed(body), str(path))
    body = model.body()
    body["tree"]["root"] = {"clusters": [10**6], "children": {}}
    with pytest.raises(ModelError, match="malformed"):
        from_json(_signed(body), str(path))
    with pytest.raises(ModelError, match="nested too deeply"):
        from_json("[" * 100_000 + "]" * 100_000, str(path))


# Across processes, through the CLI


def _rca(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RCA_STORE": str(store), "COLUMNS": "120"}
    return subprocess.run([sys.executable, "-m", "rca", *args], capture_output=True, text=True, env=env, check=False)


def test_learn_list_show_analyse_round_trip_across_processes(tmp_path) -> None:
    store = tmp_path / "store"
    good = _shop(tmp_path / "good", incident=(30, 36))
    learned = _rca("baseline", "learn", str(good), "--name", "shop", store=store)
    assert learned.returncode == 0, learned.stderr
    assert learned.stdout.strip() == "shop@1"
    assert "Left out of the normal rates" in learned.stderr and "connection refused" in learned.stderr

    listed = _rca("baseline", "list", "--json", store=store)
    entry = json.loads(listed.stdout)["baselines"][0]
    assert (entry["name"], entry["version"], entry["excluded_stretches"]) == ("shop", 1, 1)
    assert entry["records"] > 1000 and entry["templates"] >= 5
    table = _rca("baseline", "list", store=store)
    assert "shop@1" in table.stdout

    shown = json.loads(_rca("baseline", "show", "shop@1", "--json", store=store).stdout)
    assert shown["checksum"] == entry["checksum"] and len(shown["inputs"]) == 3
    assert all(len(i["sha256"]) == 64 for i in shown["inputs"])
    assert "connection refused" in _rca("baseline", "show", "shop", store=store).stdout

    today = _shop(tmp_path / "today", minutes=30, incident=(20, 30), seed=9, start=T0 + timedelta(days=1))
    analysed = _rca("analyze", str(today), "--baseline", "shop", "--json", store=store)
    assert analysed.returncode == 0, analysed.stderr
    data = json.loads(analysed.stdout)
    schema = json.loads(resources.files("rca").joinpath("schema/analysis.schema.json").read_text())
    jsonschema.validate(data, schema)
    assert data["baseline"]["name"] == "shop" and data["baseline"]["version"] == 1
    assert data["baseline"]["checksum"] == entry["checksum"]
    assert data["root_causes"][0]["service"] == "stock"
    # The model's file works without the store too, and a model file is never read as logs.
    by_file = _rca("analyze", str(today), "--baseline", str(store / "shop" / "v1.json"), "--json", store=tmp_path / "none")
    assert json.loads(by_file.stdout)["baseline"]["version"] == 1


def test_baseline_errors_are_one_line_with_their_exit_codes(tmp_path) -> None:
    store = ["--store", str(tmp_path / "store")]
    assert run(["baseline", "learn", str(SAMPLE / "quiet-worker"), "--name", "bad name!", *store]).exit_code == 2
    missing = run(["analyze", str(SAMPLE / "quiet-worker"), "--baseline", "nothing", *store])
    assert missing.exit_code == 4 and "no baseline named 'nothing'" in missing.stderr
    typo = run(["analyze", str(SAMPLE / "quiet-worker"), "--baseline", "no/such/logs/"])
    assert typo.exit_code == 3 and "no such file or folder" in typo.stderr
    empty = run(["baseline", "list", *store])
    assert empty.exit_code == 0 and empty.stdout == "" and "no baselines" in empty.stderr


# Drift


def _drift(tmp_path: Path, target: Path, *extra: str):  # type: ignore[no-untyped-def]
    store = tmp_path / "store"
    if not (store / "shop").exists():
        assert run(["baseline", "learn", str(_shop(tmp_path / "good")), "--name", "shop", "--store", str(store)]).exit_code == 0
    return run(["drift", "shop", str(target), "--json", "--store", str(store), *extra])


def test_drift_tells_the_same_system_from_a_changed_template_mix(tmp_path) -> None:
    same = _drift(tmp_path, _shop(tmp_path / "same", minutes=30, seed=21, start=T0 + timedelta(days=1)))
    assert same.exit_code == 0, same.stderr
    stable = json.loads(same.stdout)
    assert stable["verdict"] == "stable" and stable["reasons"] == []
    assert stable["unknown_share"] < 0.01 and stable["vanished_templates"] == 0 and stable["js_divergence"] < 0.05

    # After a "deploy": item views are gone, promotions are new, and more people buy.
    changed_logs = _shop(tmp_path / "changed", minutes=30, seed=22, start=T0 + timedelta(days=1),
                         mix={"list": 0.4, "promo": 0.3, "buy": 0.3})
    changed = _drift(tmp_path, changed_logs)
    assert changed.exit_code == 5
    drifted = json.loads(changed.stdout)
    assert drifted["verdict"] == "drift" and len(drifted["reasons"]) == 3
    assert drifted["unknown_share"] > 0.1 and drifted["vanished_templates"] >= 2 and drifted["js_divergence"] > 0.1
    kinds = {c["kind"] for c in drifted["changes"]}
    assert {"new", "gone"} <= kinds
    new = next(c for c in drifted["changes"] if c["kind"] == "new")
    assert "promotion banner" in new["template"] and new["examples"]
    assert drifted["model"]["name"] == "shop" and drifted["schema_version"] == 1 and drifted["kind"] == "drift"


def test_drift_limits_can_be_set(tmp_path) -> None:
    changed_logs = _shop(tmp_path / "changed", minutes=30, seed=22, mix={"list": 0.4, "promo": 0.3, "buy": 0.3})
    relaxed = _drift(tmp_path, changed_logs, "--max-unknown", "1", "--max-vanished", "1", "--max-js", "1")
    assert relaxed.exit_code == 0 and json.loads(relaxed.stdout)["limits"]["max_js_divergence"] == 1
    only_js = _drift(tmp_path, changed_logs, "--max-unknown", "1", "--max-vanished", "1", "--max-js", "0.05")
    assert only_js.exit_code == 5
    assert [r.split(" ")[1] for r in json.loads(only_js.stdout)["reasons"]] == ["Jensen-Shannon"]
    # A divergence no larger than chance gives at this many records is not drift, whatever the limit.
    same = _drift(tmp_path, _shop(tmp_path / "same", minutes=30, seed=21), "--max-js", "0")
    figures = json.loads(same.stdout)
    assert same.exit_code == 0 and 0 < figures["js_divergence"] <= figures["js_by_chance"]
    text = run(["drift", "shop", str(changed_logs), "--store", str(tmp_path / "store")])
    assert text.exit_code == 5 and "Verdict: drift" in text.stdout


@pytest.mark.skipif(not (SHARED / "loghub-2k" / "HDFS").is_dir(), reason="needs ../shared/datasets (Loghub)")
def test_drift_on_real_hdfs_logs(tmp_path) -> None:
    """Half of the HDFS sample against the other half is stable; the other half with its most
    common template removed and Spark lines mixed in is not."""
    lines = (SHARED / "loghub-2k" / "HDFS" / "HDFS_2k.log").read_text().splitlines(keepends=True)
    (tmp_path / "a.log").write_text("".join(lines[:1000]))
    (tmp_path / "b.log").write_text("".join(lines[1000:]))
    spark = (SHARED / "loghub-2k" / "Spark" / "Spark_2k.log").read_text().splitlines(keepends=True)[:150]
    (tmp_path / "c.log").write_text("".join(line for line in lines[1000:] if "Receiving block" not in line))
    (tmp_path / "spark.log").write_text("".join(spark))
    store = ["--store", str(tmp_path / "store")]
    assert run(["baseline", "learn", str(tmp_path / "a.log"), "--name", "hdfs", *store]).exit_code == 0
    assert run(["drift", "hdfs", str(tmp_path / "b.log"), *store]).exit_code == 0
    changed = run(["drift", "hdfs", str(tmp_path / "c.log"), str(tmp_path / "spark.log"), "--json", *store])
    assert changed.exit_code == 5
    data = json.loads(changed.stdout)
    assert data["vanished_templates"] >= 1 and data["unknown_share"] > 0.05


@pytest.mark.skipif(not (SHARED / "nezha-trainticket").is_dir(), reason="needs ../shared/datasets (Nezha)")
@pytest.mark.parametrize("day", ["2023-01-29", "2023-01-30"])
def test_a_real_fault_free_minute_is_all_normal(day: str) -> None:
    model = learn([str(SHARED / "nezha-trainticket" / "normal" / day / "logs")], Settings(), name="tt").model
    assert model.excluded == ()
    assert model.template_counts.height > 100


def test_the_model_used_survives_saved_json_and_is_named_in_the_postmortem(tmp_path) -> None:
    from rca.model import Analysis
    from rca.report.postmortem import render_markdown

    model = Store(tmp_path / "store").save(learn([str(_shop(tmp_path / "good", minutes=20))], Settings(), name="shop").model)
    analysis = analyze([str(_shop(tmp_path / "today", minutes=20, incident=(12, 20), seed=5))], Settings(), model=model)
    back = Analysis.from_dict(json.loads(json.dumps(analysis.to_dict())))
    assert back.baseline == analysis.baseline and back.baseline is not None and back.baseline.checksum == model.checksum
    text, _ = render_markdown(back, pictures_dir="x")
    assert "Normal behaviour was the learned baseline shop@1" in text


def test_the_divergence_chance_gives_shrinks_with_more_records() -> None:
    import numpy as np

    from rca.baseline.drift import chance_js, js_divergence

    base = np.array([500.0, 300.0, 150.0, 40.0, 10.0])
    few, many = chance_js(base, 50), chance_js(base, 50_000)
    assert few > 10 * many > 0
    assert js_divergence(base, base) == 0.0 and js_divergence(base, base[::-1]) > few


def test_stretches_that_touch_are_reported_as_one() -> None:
    from rca.baseline.model import _merged

    found = _merged([(10, 30, 60.0, ("a", "b")), (15, 22, 160.0, ("c",)), (30, 34, 70.0, ("d",)), (50, 55, 80.0, ("e",))])
    assert found == [(10, 34, 290.0, ("c", "a", "b", "d")), (50, 55, 80.0, ("e",))]
