"""Checkpoints are C2SP tlog-checkpoints that Go's sumdb signs and reads the same way.

The signed tree heads below are golang/mod ``sumdb/client_test.go``'s: its
test signer key ``localhost.localdev/sumdb`` and the two heads quoted in
TestClientFork (sizes 5 and 6). Only the values are copied.
"""

from __future__ import annotations

import base64

import pytest

from ledger.store.checkpoints import Checkpoint, CheckpointError, open_checkpoint, sign_checkpoint
from ledger.store.merkle import ProofError, leaf_hash, verify_consistency
from ledger.store.notes import NoteError, NoteSignatureError, SignerKey, VerifierKey
from ledger.store.tree import CompactRange, MemoryNodeStore, consistency_proof

GO_SIGNER = SignerKey.parse(
    "PRIVATE+KEY+localhost.localdev/sumdb+00000c67+AXu6+oaVaOYuQOFrf1V59JK1owcFlJcHwwXHDfDGxSPk")
GO_VERIFIER = VerifierKey.parse(
    "localhost.localdev/sumdb+00000c67+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6")
GO_HEAD_6 = ("go.sum database tree\n6\nwc4SkQt52o5W2nQ8To2ARs+mWuUJjss+sdleoiqxMmM=\n\n"
             "— localhost.localdev/sumdb AAAMZ6oRNswlEZ6ZZhxrCvgl1MBy+nusq4JU+TG6Fe2NihWLqOzb+y2c2"
             "kzRLoCr4tvw9o36ucQEnhc20e4nA4Qc/wc=\n")
GO_HEAD_5 = ("go.sum database tree\n5\nnWzN20+pwMt62p7jbv1/NlN95ePTlHijabv5zO/s36w=\n\n"
             "— localhost.localdev/sumdb AAAMZ5/2FVAdMH58kmnz/0h299pwyskEbzDzoa2/YaPdhvLya4YWDFQQx"
             "u2TQb5GpwAH4NdWnTwuhILafisyf3CNbgg=\n")
ORIGIN = "ledger.example/eu-sanctions"


def test_a_head_signed_by_gos_sumdb_opens_as_a_checkpoint():
    checkpoint = open_checkpoint(GO_HEAD_6, [GO_VERIFIER])
    assert checkpoint == Checkpoint("go.sum database tree", 6, base64.b64decode(
        "wc4SkQt52o5W2nQ8To2ARs+mWuUJjss+sdleoiqxMmM="))


@pytest.mark.parametrize("head", [GO_HEAD_5, GO_HEAD_6])
def test_signing_a_checkpoint_gives_the_bytes_gos_sumdb_signed(head):
    assert sign_checkpoint(open_checkpoint(head, [GO_VERIFIER]), GO_SIGNER) == head


def test_a_checkpoint_writes_origin_size_base64_root_and_extension_lines():
    checkpoint = Checkpoint(ORIGIN, 1042, bytes(range(32)), ("generated 2026-12-01",))
    assert checkpoint.text() == (f"{ORIGIN}\n1042\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
                                 "generated 2026-12-01\n")
    assert Checkpoint.parse(checkpoint.text()) == checkpoint


def test_a_checkpoint_of_another_ledger_is_refused_by_name():
    with pytest.raises(CheckpointError, match=f"is of 'go.sum database tree', not of '{ORIGIN}'"):
        open_checkpoint(GO_HEAD_6, [GO_VERIFIER], origin=ORIGIN)


def test_a_checkpoint_signed_by_another_key_is_refused():
    with pytest.raises(NoteSignatureError, match="none of them a trusted key"):
        open_checkpoint(GO_HEAD_6, [SignerKey.generate("localhost.localdev/sumdb").verifier])


def test_an_edited_tree_size_breaks_the_signature():
    with pytest.raises(NoteSignatureError, match="does not verify"):
        open_checkpoint(GO_HEAD_6.replace("\n6\n", "\n7\n"), [GO_VERIFIER])


@pytest.mark.parametrize(("text", "message"), [
    ("origin\n12\n", "at least three lines"),
    ("origin\n012\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "line 2: '012' is not a tree"),
    ("origin\n-1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "line 2: '-1' is not a tree"),
    ("origin\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n", "line 3: .* not a base64 SHA"),
    ("origin\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw=\n", "line 3: .* not a base64 SHA"),
    ("\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "origin is one non-empty line"),
    ("o\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n", "extension lines are non-empty"),
])
def test_a_malformed_checkpoint_names_the_wrong_line(text, message):
    with pytest.raises(CheckpointError, match=message):
        Checkpoint.parse(text)


def test_a_signed_checkpoint_must_be_a_note():
    with pytest.raises(NoteError, match="no signature lines"):
        open_checkpoint(Checkpoint(ORIGIN, 0, bytes(32)).text(), [GO_VERIFIER])


def test_a_later_checkpoint_of_the_same_ledger_proves_it_extends_an_earlier_one():
    key = SignerKey.generate(ORIGIN)
    store, compact, notes = MemoryNodeStore(), CompactRange(), []
    for batch in (range(0, 5), range(5, 13)):
        store.put_nodes(compact.extend(leaf_hash(b"event %d" % i) for i in batch))
        notes.append(sign_checkpoint(Checkpoint(ORIGIN, compact.size, compact.root()), key))
    old, new = (open_checkpoint(note, [key.verifier], origin=ORIGIN) for note in notes)
    proof = consistency_proof(store, old.size, new.size)
    verify_consistency(old.size, new.size, proof, old.root_hash, new.root_hash)
    with pytest.raises(ProofError, match="does not lead to the old root"):
        verify_consistency(old.size, new.size, proof, bytes(32), new.root_hash)
