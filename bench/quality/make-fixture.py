#!/usr/bin/env python3
"""make-fixture -- reference NAB scores of fixed detection sets, the oracle of
test/bench/quality/nab-scorer.test.ts (which needs no Python: it reads the JSON written here).

Run from the project root (Python 3 standard library only):

    python3 bench/quality/make-fixture.py [--nabscore /work/shared/tools/nab/nabscore.py]

It writes
  test/bench/quality/fixtures/nab-edge/                 a tiny corpus of scoring edge cases that the
                                                        dev set lacks (windows in or across the
                                                        probationary period, the 750-row probation
                                                        cap, repeated timestamps, adjacent windows,
                                                        a window on the last row, windows out of order)
  test/bench/quality/fixtures/nab-dev-reference.json    bench/data/nab-dev scored by the reference
  test/bench/quality/fixtures/nab-edge-reference.json   nab-edge scored by the reference

For each corpus the same detection sets are built (deterministic; the random ones from a seeded
random.Random): rows -> their timestamps -> every row with such a timestamp scores 1.0, the rest 0.0
(how run_detector.py turns firing events into scores), then nabscore.score_detector(...,
thresholds=1.0 for every profile, per_file=True) scores them "as emitted". The JSON holds each set's
detected rows (row indices, runs as [first, last]; the test maps them to timestamps the same way), and
per profile the reference's normalised score, raw, null, perfect, counts and per-file scores. The
output is byte-identical from run to run; rerun it only when the corpus or the reference changes.
"""

import argparse
import datetime as _dt
import hashlib
import importlib.util
import json
import math
import os
import random
import sys

sys.dont_write_bytecode = True   # no __pycache__ next to the reference
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIXTURES = os.path.join(ROOT, "test", "bench", "quality", "fixtures")
SEED = 20240611


# ---------------------------------------------------------------- the edge corpus

EDGE_START = 1577836800   # 2020-01-01 00:00:00 UTC
STEP = 300                 # 5 minutes


def _stamp(seconds):
    return _dt.datetime.fromtimestamp(seconds, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _edge_file(rows, windows, repeat_after=()):
    """Rows with 5-minute steps; each row in `repeat_after` repeats the timestamp of the row before
    it. `windows`: (first row, last row) pairs, in the order they are to be listed."""
    ts, t = [], EDGE_START
    for i in range(rows):
        if i > 0 and i not in repeat_after:
            t += STEP
        ts.append(t)
    values = ["%.3f" % (50.0 + 10.0 * math.sin(i / 20.0)) for i in range(rows)]
    return ts, values, [(ts[a], ts[b]) for a, b in windows]


# name -> (rows, windows as row pairs, rows repeating the previous timestamp); probation in the
# comments is min(floor(0.15 * rows), 750).
EDGE_FILES = {
    # probation 60: the first window starts in it, so only its rows 60..90 count, and the reward
    # is by position in the whole window (its first scored row earns less than tpWeight).
    "edge/probation_straddle.csv": (400, [(40, 90), (200, 240)], ()),
    # probation 60: the first window lies inside it: never caught or missed (not in null) but in
    # perfect, and rows after it are still FP-scaled by the distance to it.
    "edge/window_in_probation.csv": (400, [(10, 30), (300, 340)], ()),
    # repeated timestamps: at a window's first row (the window opens at the first of the two), at
    # its last row (it closes at the first of the two; the second is outside), and elsewhere.
    "edge/duplicates.csv": (300, [(95, 130), (240, 260)], (96, 131, 200)),
    # a two-row window, then windows back to back; FP cost at exactly 3 widths after the last
    # window (the sigmoid at pos = 3) and one row later (-1).
    "edge/adjacent_windows.csv": (300, [(100, 101), (102, 150), (151, 160)], ()),
    # 5400 rows: probation is the cap 750 (not floor(810)); the first window straddles it.
    "edge/long_file.csv": (5400, [(700, 800), (3000, 3540)], ()),
    # windows listed out of order: NAB opens them in list order, so the second never opens.
    "edge/unsorted_windows.csv": (300, [(200, 220), (100, 120)], ()),
    # a window ending on the last row of the file.
    "edge/window_at_end.csv": (200, [(180, 199)], ()),
    # no window: every detection after probation costs the full fpWeight.
    "edge/no_windows.csv": (100, [], ()),
}


def write_edge_corpus(dev_root, out_root):
    labels = {}
    for rel, (rows, windows, repeats) in sorted(EDGE_FILES.items()):
        ts, values, wins = _edge_file(rows, windows, repeats)
        path = os.path.join(out_root, "data", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", newline="") as fh:
            fh.write("timestamp,value\n")
            for t, v in zip(ts, values):
                fh.write("%s,%s\n" % (_stamp(t), v))
        labels[rel] = [[_stamp(a) + ".000000", _stamp(b) + ".000000"] for a, b in wins]
    os.makedirs(os.path.join(out_root, "labels"), exist_ok=True)
    with open(os.path.join(out_root, "labels", "combined_windows.json"), "w") as fh:
        json.dump(labels, fh, indent=4, sort_keys=True)
        fh.write("\n")
    os.makedirs(os.path.join(out_root, "config"), exist_ok=True)
    with open(os.path.join(dev_root, "config", "profiles.json"), "rb") as src, \
            open(os.path.join(out_root, "config", "profiles.json"), "wb") as dst:
        dst.write(src.read())


# ---------------------------------------------------------------- detection sets

def _window_rows(f):
    """(first row, last row) of each window, by first occurrence of its edge timestamps."""
    first = {}
    for i, t in enumerate(f.timestamps):
        first.setdefault(t, i)
    return [(first[a], first[b]) for a, b in f.windows]


def set_nothing(f, rng):
    return set()


def set_everything(f, rng):
    return set(range(f.n))


def set_every_37th(f, rng):
    return {i for i in range(f.n) if i % 37 == 5}


def set_probation_edge(f, rng):
    p = int(math.ceil(f.probation))
    return {p - 1, p, p + 1}


def set_window_starts(f, rng):
    return {r for s, _ in _window_rows(f) for r in (s - 1, s, s + 1)}


def set_window_late(f, rng):
    out = set()
    for s, e in _window_rows(f):
        w = e - s + 1
        out |= {s + (3 * w) // 4, e, e + 1, e + (w - 1) // 2, e + 3 * (w - 1), e + 3 * (w - 1) + 1}
    return out


def set_half_windows(f, rng):
    return {(s + e) // 2 for k, (s, e) in enumerate(_window_rows(f)) if k % 2 == 0}


def set_random(f, rng):
    out = {i for i in range(f.n) if rng.random() < 0.004}
    for s, e in _window_rows(f):
        if rng.random() < 0.6:
            out.add(rng.randrange(s, e + 1))
    return out


def set_alert_runs(f, rng):
    """Runs of 1..20 consecutive rows, as a detector that stays firing would give."""
    out = set()
    for i in range(f.n):
        if rng.random() < 0.003:
            out |= set(range(i, i + rng.randint(1, 20)))
    return out


def set_repeated_timestamps(f, rng):
    """The second row of each repeated timestamp (both rows become detections)."""
    return {i for i in range(1, f.n) if f.timestamps[i] == f.timestamps[i - 1]}


SETS = [
    ("nothing", "no detection: normalised 0 for every profile", set_nothing),
    ("everything", "every row", set_everything),
    ("every-37th", "rows i % 37 == 5: FPs at every distance from windows, TPs at various positions",
     set_every_37th),
    ("probation-edge", "rows ceil(probation) - 1 (ignored), ceil(probation), + 1", set_probation_edge),
    ("window-starts", "each window's first row, the row before it (FP) and the row after (no extra credit)",
     set_window_starts),
    ("window-late", "each window at 3/4 and its last row (earliest counts), then rows 1, (w-1)/2, "
     "3(w-1) and 3(w-1)+1 after its end (FP scaled by distance)", set_window_late),
    ("half-windows", "the middle row of windows 0, 2, 4, ... of each file; the others missed",
     set_half_windows),
    ("random", "seeded: each row with p 0.004, and one random row in each window with p 0.6", set_random),
    ("alert-runs", "seeded: runs of 1..20 rows starting at each row with p 0.003", set_alert_runs),
    ("repeated-timestamps", "rows whose timestamp repeats the previous row's", set_repeated_timestamps),
]


# ---------------------------------------------------------------- scoring and output

def load_nabscore(path):
    spec = importlib.util.spec_from_file_location("nabscore", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def runs(rows):
    """Sorted rows -> [row or [first, last]] (compact and readable)."""
    out, rows = [], sorted(rows)
    k = 0
    while k < len(rows):
        j = k
        while j + 1 < len(rows) and rows[j + 1] == rows[j] + 1:
            j += 1
        out.append(rows[k] if j == k else [rows[k], rows[j]])
        k = j + 1
    return out


def score_set(nab, corpus, name, description, make, rng):
    detections, scores, detected_rows = {}, {}, {}
    for f in corpus.files:
        rows = {r for r in make(f, rng) if 0 <= r < f.n}
        ms = {nab.ts_to_ms(f.timestamps[r]) for r in rows}
        s = [1.0 if nab.ts_to_ms(t) in ms else 0.0 for t in f.timestamps]
        detections[f.rel] = runs(rows)
        scores[f.rel] = s
        detected_rows[f.rel] = int(sum(s))
    res = nab.score_detector(corpus, scores, thresholds={p: 1.0 for p in nab.PROFILE_ORDER},
                             per_file=True)
    expected = {}
    for p in nab.PROFILE_ORDER:
        r = res[p]
        expected[p] = dict(score=r["score"], raw=r["raw"], null_raw=r["null_raw"],
                           perfect=r["perfect"], counts=r["counts"],
                           files={x["file"]: {k: x[k] for k in ("score", "windows", "windows_hit",
                                                                 "tp", "fp", "tn", "fn")}
                                  for x in r["files"]})
    return dict(name=name, description=description, detections=detections,
                detected_rows=detected_rows, expected=expected)


def dump(obj, indent=0):
    """JSON with lists of numbers (and of [a, b] runs) kept on one line."""
    pad = " " * indent
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = ['%s "%s": %s' % (pad, k, dump(v, indent + 1)) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and all(isinstance(x, (int, float, list)) for x in obj):
        return json.dumps(obj, separators=(",", ":"))
    if isinstance(obj, list):
        return "[\n" + ",\n".join(pad + " " + dump(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return json.dumps(obj)


def build_fixture(nab, nab_path, corpus_root, corpus_label):
    corpus = nab.load_corpus(corpus_root)
    with open(nab_path, "rb") as fh:
        nab_sha = hashlib.sha256(fh.read()).hexdigest()
    files = {f.rel: dict(rows=f.n, first_ms=nab.ts_to_ms(f.timestamps[0]),
                         last_ms=nab.ts_to_ms(f.timestamps[-1]), probation=f.probation,
                         windows=len(f.windows), scored_windows=len(f.scored_windows))
             for f in corpus.files}
    # A fresh generator per set: changing or adding one set leaves the others as they were.
    sets = [score_set(nab, corpus, n, d, make, random.Random(SEED)) for n, d, make in SETS]
    return dict(generator="bench/quality/make-fixture.py", reference="nabscore.py sha256 " + nab_sha,
                corpus=corpus_label, seed=SEED, threshold=1.0, files=files, sets=sets)


def write_json(path, obj):
    with open(path, "w") as fh:
        fh.write(dump(obj))
        fh.write("\n")


def main():
    ap = argparse.ArgumentParser(description="Write the NAB scorer's reference fixtures.")
    ap.add_argument("--nabscore", default="/work/shared/tools/nab/nabscore.py",
                    help="path of the reference nabscore.py")
    args = ap.parse_args()
    nab = load_nabscore(args.nabscore)
    dev = os.path.join(ROOT, "bench", "data", "nab-dev")
    edge = os.path.join(FIXTURES, "nab-edge")
    write_edge_corpus(dev, edge)
    for label, root, out in (("bench/data/nab-dev", dev, "nab-dev-reference.json"),
                             ("test/bench/quality/fixtures/nab-edge", edge, "nab-edge-reference.json")):
        fx = build_fixture(nab, args.nabscore, root, label)
        write_json(os.path.join(FIXTURES, out), fx)
        print("%s (%s):" % (out, label))
        for s in fx["sets"]:
            e = s["expected"]
            print("  %-20s standard %9.4f  low-FP %9.4f  low-FN %9.4f  raw(std) %.6f" % (
                s["name"], e["standard"]["score"], e["reward_low_FP_rate"]["score"],
                e["reward_low_FN_rate"]["score"], e["standard"]["raw"]))


if __name__ == "__main__":
    main()
