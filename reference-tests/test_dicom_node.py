"""`deepstroke serve` against real DICOM peers from DCMTK on loopback: `echoscu`, `storescu` as the
modality, `storescp` as the destination PACS. Studies are generated here (`dicom synth --study` from
the CT template, with decoy series); the pipeline runs with the atlas method and the fast preset.

What is checked: echo; a study with decoys scored once and its SEG (read by highdicom) referencing the
selected series at the destination; two studies at once plus one sent twice, each processed once; a
refused study marked not assessable with no SEG and one "not assessable" Secondary Capture delivered;
delivered studies pruned from the inbox (and kept with --keep-inbox); a node killed (-9) mid-processing
that, restarted, processes the study once and delivers after a failed send retried; --method unet and
both end to end (scored or not assessable, whatever the bundled model's quality, with what is delivered
matching the state); malformed byte streams that neither crash nor hang the node. The job store (SQLite)
is read directly to count runs and attempts.
"""
import hashlib
import os
import random
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import time
from contextlib import closing
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest

from conftest import DATA
from test_dicom import BIN

DCMTK = all(shutil.which(t) for t in ("echoscu", "storescu", "storescp"))
pytestmark = [pytest.mark.skipif(not os.path.exists(BIN), reason="deepstroke binary not built"),
              pytest.mark.skipif(not DCMTK, reason="DCMTK (echoscu, storescu, storescp) not installed: apt-get install dcmtk"),
              pytest.mark.needs_data("ct_template")]

AET = "DEEPSTROKE"
TEMPLATE = DATA / "ct_template" / "template_with_skull_2mm.nii.gz"
SEG_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"
SC_CLASS = "1.2.840.10008.5.1.4.1.1.7"
NOT_ASSESSABLE_SERIES = "ASPECTS not assessable"
STUDY_TIMEOUT = 3
# DCMTK leaves Nagle's algorithm on unless this is set, which costs ~40 ms per image on loopback.
DCMTK_ENV = dict(os.environ, TCP_NODELAY="1")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uid_hash(uid):
    return hashlib.sha256(uid.encode()).hexdigest()[:16]


def synth_study(folder):
    """A head CT study with decoys (scout, bone kernel, contrast, reformat); returns (study UID, head series)."""
    r = subprocess.run([BIN, "dicom", "synth", str(TEMPLATE), "-o", str(folder), "--study", "--slice-thickness", "5"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    heads = [p for p in folder.rglob("*.dcm") if pydicom.dcmread(p, stop_before_pixels=True).SeriesDescription == "HEAD NON-CONTRAST"]
    first = pydicom.dcmread(heads[0], stop_before_pixels=True)
    return first.StudyInstanceUID, {pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID for p in heads}, first.SeriesInstanceUID


def synth_body(folder):
    """A trunk-like CT, no skull: the quality gates refuse it."""
    rng = np.random.default_rng(5)
    x, y = np.meshgrid(np.linspace(-1.2, 1.2, 96), np.linspace(-1.2, 1.2, 80), indexing="ij")
    r = (x / 1.05) ** 2 + (y / 0.8) ** 2
    plane = np.where(r > 1, -1000.0, np.where(r > 0.8, -100.0, 40.0))
    vol = np.repeat(plane[:, :, None], 20, axis=2) + (plane[:, :, None] > -1000) * rng.normal(0, 5, (96, 80, 20))
    folder.mkdir(parents=True)
    nii = folder.parent / (folder.name + ".nii.gz")
    nib.save(nib.Nifti1Image(np.rint(vol).astype(np.float32), np.diag([3.0, 3.0, 5.0, 1.0])), nii)
    r = subprocess.run([BIN, "dicom", "synth", str(nii), "-o", str(folder)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return pydicom.dcmread(next(folder.glob("*.dcm")), stop_before_pixels=True).StudyInstanceUID


def dcm_count(folder):
    return sum(1 for _ in folder.rglob("*.dcm"))


class Node:
    """A `deepstroke serve` process with its log in a file."""

    def __init__(self, root, port, destination=None, extra=()):
        self.root, self.port = root, port
        self.inbox, self.output = root / "inbox", root / "output"
        self.args = [BIN, "serve", "--port", str(port), "--ae-title", AET, "--host", "127.0.0.1",
                     "--inbox", str(self.inbox), "--output", str(self.output), "--method", "atlas", "--preset", "fast",
                     "--study-timeout", str(STUDY_TIMEOUT), "--idle-timeout", "3", "--retry-backoff", "1", *extra]
        if destination:
            self.args += ["--destination", destination]
        self.logs = []
        self.proc = None

    def start(self):
        log = open(self.root / f"node-{len(self.logs)}.log", "w")
        self.logs.append(Path(log.name))
        self.proc = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            assert self.proc.poll() is None, self.log_text()
            if subprocess.run(["echoscu", "-aec", AET, "127.0.0.1", str(self.port)], capture_output=True).returncode == 0:
                return self
            time.sleep(0.2)
        raise AssertionError("node did not answer C-ECHO within 60 s:\n" + self.log_text())

    def log_text(self):
        return "\n".join(p.read_text(errors="replace") for p in self.logs)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def db(self):
        c = sqlite3.connect(self.inbox / "deepstroke-node.sqlite", timeout=10)
        c.row_factory = sqlite3.Row
        return c

    def studies(self):
        try:
            with closing(self.db()) as c:
                return {r["key"]: dict(r) for r in c.execute("SELECT * FROM study")}
        except sqlite3.OperationalError:
            return {}

    def sends(self):
        with closing(self.db()) as c:
            return [dict(r) for r in c.execute("SELECT * FROM send")]

    def wait(self, predicate, what, timeout=400):
        deadline = time.time() + timeout
        while time.time() < deadline:
            assert self.proc.poll() is None, f"node exited ({self.proc.returncode}) while waiting for {what}:\n{self.log_text()}"
            if predicate():
                return
            time.sleep(0.5)
        raise AssertionError(f"timed out waiting for {what}; studies {self.studies()}\n{self.log_text()[-4000:]}")


def storescu(folder, port, wait=True):
    args = ["storescu", "-aec", AET, "-aet", "MODALITY", "+sd", "+r", "127.0.0.1", str(port), str(folder)]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=DCMTK_ENV)
    if wait:
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0, out
    return p


class Destination:
    """DCMTK's storescp as the PACS receiving the results."""

    def __init__(self, folder, port):
        self.folder, self.port = folder, port
        folder.mkdir(parents=True, exist_ok=True)
        self.log = open(folder.parent / f"storescp-{port}.log", "w")
        self.proc = subprocess.Popen(["storescp", "-aet", "PACS", "-od", str(folder), str(port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=DCMTK_ENV)
        deadline = time.time() + 20
        while subprocess.run(["echoscu", "-aec", "PACS", "127.0.0.1", str(port)], capture_output=True).returncode != 0:
            assert time.time() < deadline and self.proc.poll() is None, "storescp did not start"
            time.sleep(0.2)

    def received(self):
        out = []
        for p in self.folder.iterdir():
            if p.is_file():
                out.append(pydicom.dcmread(p, stop_before_pixels=True))
        return out

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def final(state):
    return state in ("done", "not_assessable", "failed")


def sends_settled(node):
    return all(s["state"] != "pending" for s in node.sends())


@pytest.fixture
def peers(tmp_path):
    started = []

    def make(kind, *args, **kw):
        obj = kind(*args, **kw)
        started.append(obj)
        return obj
    yield make
    for o in started:
        o.stop()


def test_studies_at_once_scored_once_and_delivered(tmp_path, peers):
    a_uid, a_head, a_series = synth_study(tmp_path / "study_a")
    b_uid, _, _ = synth_study(tmp_path / "study_b")
    c_uid = synth_body(tmp_path / "study_c")
    assert len({a_uid, b_uid, c_uid}) == 3
    dest = peers(Destination, tmp_path / "pacs", free_port())
    node = peers(Node, tmp_path / "node", free_port(), destination=f"PACS@127.0.0.1:{dest.port}", extra=["--workers", "2"])
    node.root.mkdir()
    node.start()
    r = subprocess.run(["echoscu", "-v", "-aec", AET, "127.0.0.1", str(node.port)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr

    # Two studies at once, A a second time while the first copy is still arriving, and the refused study.
    procs = [storescu(tmp_path / s, node.port, wait=False) for s in ("study_a", "study_b", "study_a", "study_c")]
    for p in procs:
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0, out
    keys = {u: uid_hash(u) for u in (a_uid, b_uid, c_uid)}
    node.wait(lambda: len(node.studies()) == 3 and all(final(s["state"]) for s in node.studies().values()) and sends_settled(node),
              "three studies processed and their results sent")
    st = node.studies()
    for u in (a_uid, b_uid):
        s = st[keys[u]]
        assert s["state"] == "done", s
        assert s["completions"] == 1 and s["attempts"] == 1, s
    assert st[keys[a_uid]]["instances"] == dcm_count(tmp_path / "study_a"), "a resent instance is stored once"
    assert st[keys[b_uid]]["instances"] == dcm_count(tmp_path / "study_b")
    c = st[keys[c_uid]]
    assert c["state"] == "not_assessable" and c["completions"] == 1 and c["reason"], c
    assert all(s["state"] == "sent" for s in node.sends()), node.sends()

    got = dest.received()
    by_study = {u: [d for d in got if d.StudyInstanceUID == u] for u in (a_uid, b_uid, c_uid)}
    for u in (a_uid, b_uid):
        segs = [d for d in by_study[u] if d.SOPClassUID == SEG_CLASS]
        assert len(segs) == 1, f"study {keys[u]}: {len(segs)} SEG at the destination"
        assert any(d.SOPClassUID == SC_CLASS for d in by_study[u])
    assert not any(d.SOPClassUID == SEG_CLASS for d in by_study[c_uid]), "a not-assessable study gets no SEG"
    assert [(d.SOPClassUID, d.SeriesDescription) for d in by_study[c_uid]] == [(SC_CLASS, NOT_ASSESSABLE_SERIES)], \
        "a not-assessable study gets one Secondary Capture saying so"

    # The SEG of study A, read by highdicom, references the head series that was selected, every slice.
    import highdicom
    seg_file = next(p for p in dest.folder.iterdir() if pydicom.dcmread(p, stop_before_pixels=True).SOPClassUID == SEG_CLASS
                    and pydicom.dcmread(p, stop_before_pixels=True).StudyInstanceUID == a_uid)
    seg = highdicom.seg.segread(seg_file)
    assert seg.number_of_segments >= 10
    ref = seg.ReferencedSeriesSequence[0]
    assert ref.SeriesInstanceUID == a_series
    assert {i.ReferencedSOPInstanceUID for i in ref.ReferencedInstanceSequence} == a_head

    # Sending A again after it was scored: acknowledged, stored once, not processed again.
    storescu(tmp_path / "study_a", node.port)
    time.sleep(STUDY_TIMEOUT + 3)
    s = node.studies()[keys[a_uid]]
    assert s["state"] == "done" and s["completions"] == 1, s

    # No patient identifier (UID) in file names or logs.
    log = node.log_text()
    names = [str(p) for p in (node.root).rglob("*")]
    for u in (a_uid, b_uid, c_uid):
        assert u not in log
        assert not any(u in n for n in names)
    # Delivered studies leave the inbox (the resend of A was recognised and not kept either); the index stays.
    for u in (a_uid, b_uid, c_uid):
        assert not (node.inbox / keys[u]).exists(), f"study {keys[u]} still in the inbox after delivery"
    assert dcm_count(node.inbox) == 0
    assert "removed from the inbox" in log


def test_killed_while_processing_then_processed_once_and_delivered(tmp_path, peers):
    uid, _, _ = synth_study(tmp_path / "study")
    key = uid_hash(uid)
    dest_port = free_port()
    node = peers(Node, tmp_path / "node", free_port(), destination=f"PACS@127.0.0.1:{dest_port}", extra=["--keep-inbox"])
    node.root.mkdir()
    node.start()
    storescu(tmp_path / "study", node.port)
    node.wait(lambda: node.studies().get(key, {}).get("state") == "processing", "processing to start", timeout=60)
    time.sleep(2)
    node.proc.send_signal(signal.SIGKILL)
    node.proc.wait()
    assert node.studies()[key]["state"] == "processing"
    assert node.studies()[key]["completions"] == 0

    # Restart with the destination still down: the study is processed again, the send fails and is retried.
    node.start()
    node.wait(lambda: node.studies()[key]["state"] == "done", "processing after the restart")
    node.wait(lambda: any(s["last_error"] for s in node.sends()), "a failed send recorded", timeout=60)
    dest = peers(Destination, tmp_path / "pacs", dest_port)
    node.wait(lambda: node.sends() and all(s["state"] == "sent" for s in node.sends()), "delivery after retries", timeout=120)
    s = node.studies()[key]
    assert s["completions"] == 1 and s["attempts"] == 2, s
    assert all(x["attempts"] >= 2 for x in node.sends()), node.sends()
    segs = [d for d in dest.received() if d.SOPClassUID == SEG_CLASS]
    assert len(segs) == 1 and segs[0].StudyInstanceUID == uid
    assert "was processing when the node stopped" in node.log_text()
    assert dcm_count(node.inbox / key) == dcm_count(tmp_path / "study"), "--keep-inbox keeps the delivered study"


@pytest.mark.parametrize("method", ["unet", "both"])
def test_unet_methods_end_to_end(tmp_path, peers, method):
    """The U-Net (alone or beside the atlas) through the node, whatever the bundled model's quality: the
    study ends scored or not assessable, and what reaches the PACS matches that state."""
    uid, _, series = synth_study(tmp_path / "study")
    key = uid_hash(uid)
    dest = peers(Destination, tmp_path / "pacs", free_port())
    node = peers(Node, tmp_path / "node", free_port(), destination=f"PACS@127.0.0.1:{dest.port}")
    node.args[node.args.index("--method") + 1] = method
    node.root.mkdir()
    node.start()
    storescu(tmp_path / "study", node.port)
    node.wait(lambda: final(node.studies().get(key, {}).get("state", "")) and node.sends() and sends_settled(node),
              f"the study processed with --method {method} and its results sent", timeout=900)
    s = node.studies()[key]
    assert s["state"] in ("done", "not_assessable"), s
    assert s["completions"] == 1, s
    assert all(x["state"] == "sent" for x in node.sends()), node.sends()
    got = [d for d in dest.received() if d.StudyInstanceUID == uid]
    segs = [d for d in got if d.SOPClassUID == SEG_CLASS]
    if s["state"] == "done":
        assert 1 <= len(segs) <= (2 if method == "both" else 1), [d.SeriesDescription for d in got]
        for seg in segs:
            assert seg.ReferencedSeriesSequence[0].SeriesInstanceUID == series
        assert any(d.SOPClassUID == SC_CLASS and d.SeriesDescription != NOT_ASSESSABLE_SERIES for d in got)
    else:
        assert s["reason"], s
        assert segs == []
        assert [d.SeriesDescription for d in got] == [NOT_ASSESSABLE_SERIES]
    node.wait(lambda: not (node.inbox / key).exists(), "the delivered study pruned from the inbox", timeout=30)


def pdu(kind, body):
    return struct.pack(">BBI", kind, 0, len(body)) + body


def associate_rq(called=AET):
    app = struct.pack(">BBH", 0x10, 0, 21) + b"1.2.840.10008.3.1.1.1"
    abstract = b"1.2.840.10008.1.1\x00"
    ts = b"1.2.840.10008.1.2\x00"
    pc_body = bytes([1, 0, 0, 0]) + struct.pack(">BBH", 0x30, 0, len(abstract)) + abstract + struct.pack(">BBH", 0x40, 0, len(ts)) + ts
    pc = struct.pack(">BBH", 0x20, 0, len(pc_body)) + pc_body
    ui_body = struct.pack(">BBHI", 0x51, 0, 4, 16384)
    ui = struct.pack(">BBH", 0x50, 0, len(ui_body)) + ui_body
    body = struct.pack(">HH", 1, 0) + called.ljust(16).encode() + b"FUZZER".ljust(16) + bytes(32) + app + pc + ui
    return pdu(0x01, body)


def malformed_streams():
    rng = random.Random(7)
    rq = associate_rq()
    yield "absurd length", b"\x01\x00\xff\xff\xff\xff"
    yield "truncated header", b"\x01\x00\x00"
    yield "truncated A-ASSOCIATE-RQ", rq[: len(rq) // 2]
    yield "lying item length", rq[:74] + b"\x10\x00\xff\xf0" + rq[78:]
    yield "unknown PDU type", pdu(0x09, b"\x00" * 4)
    yield "release with wrong length", pdu(0x05, b"\x00" * 40)
    yield "P-DATA before association", pdu(0x04, struct.pack(">IBB", 4, 1, 3) + b"\x00\x00")
    yield "associate then absurd P-DATA", rq + b"\x04\x00\x7f\xff\xff\xff"
    yield "associate then PDV on unknown context", rq + pdu(0x04, struct.pack(">IBB", 4, 99, 3) + b"\x00\x00")
    yield "associate then garbage command", rq + pdu(0x04, struct.pack(">IBB", 10, 1, 3) + bytes(rng.randrange(256) for _ in range(8)))
    yield "associate then silence", rq
    yield "HTTP request", b"GET / HTTP/1.1\r\nHost: node\r\n\r\n"
    for i in range(6):
        yield f"random bytes {i}", bytes(rng.randrange(256) for _ in range(rng.randrange(1, 20000)))
    for i in range(6):
        b = bytearray(rq)
        for _ in range(4):
            b[rng.randrange(len(b))] = rng.randrange(256)
        yield f"mutated A-ASSOCIATE-RQ {i}", bytes(b)


def test_malformed_streams_neither_crash_nor_hang(tmp_path, peers):
    node = peers(Node, tmp_path / "node", free_port())
    node.root.mkdir()
    node.start()
    for name, data in malformed_streams():
        s = socket.create_connection(("127.0.0.1", node.port), timeout=10)
        t0 = time.time()
        try:
            s.sendall(data)
        except OSError:
            pass  # the node may already have closed the connection
        # The node must end the connection by itself (abort or close) within the idle timeout, never wait for ever.
        closed = False
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    closed = True
                    break
        except (ConnectionResetError, BrokenPipeError):
            closed = True
        except socket.timeout:
            pass
        s.close()
        assert closed, f"{name}: the node kept the connection open for {time.time() - t0:.0f} s"
        assert node.proc.poll() is None, f"{name}: the node exited\n{node.log_text()}"
    # Right after, a normal modality is served.
    folder = tmp_path / "series"
    vol = np.full((32, 32, 6), 40, np.float32)
    nib.save(nib.Nifti1Image(vol, np.diag([1.0, 1.0, 5.0, 1.0])), tmp_path / "small.nii.gz")
    assert subprocess.run([BIN, "dicom", "synth", str(tmp_path / "small.nii.gz"), "-o", str(folder)], capture_output=True).returncode == 0
    storescu(folder, node.port)
    assert subprocess.run(["echoscu", "-aec", AET, "127.0.0.1", str(node.port)], capture_output=True).returncode == 0
    assert sum(1 for _ in node.inbox.rglob("*.dcm")) == dcm_count(folder)
    log = node.log_text()
    assert "aborted" in log and "PDU" in log, "each refusal is logged with a reason"
