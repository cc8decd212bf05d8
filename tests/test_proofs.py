"""A proof bundle shows one line as filed, and proves it, with nothing but a public key."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from ledger.store.checkpoints import Checkpoint, CheckpointError, sign_checkpoint
from ledger.store.merkle import ProofError, leaf_hash
from ledger.store.notes import NoteSignatureError, SignerKey
from ledger.store.proofs import ProofBundle, ProofBundleError, event_leaf, verify_bundle
from ledger.store.tree import CompactRange, MemoryNodeStore, inclusion_proof

ORIGIN = "ledger.example/eu-sanctions"
KEY = SignerKey.generate(ORIGIN)
TOPIC = "sanctions-ledger:Party.Recorded"


def filed(n: int) -> str:
    return json.dumps({"type": "party", "id": f"person:p{n}", "name": f"Person Nº{n}"},
                      separators=(",", ":"), ensure_ascii=False)


def leaf(n: int) -> bytes:
    state = {"timestamp": {"_type_": "datetime_iso", "_data_": "2021-03-22T09:00:00+00:00"},
             "line_id": f"person:p{n}", "line_type": "party", "filed": filed(n)}
    return event_leaf(n + 1, f"{n:032x}", 1, TOPIC, json.dumps(state).encode())


LEAVES = [leaf(n) for n in range(11)]


def bundle_for(n: int, size: int = len(LEAVES), key: SignerKey = KEY) -> ProofBundle:
    store, compact = MemoryNodeStore(), CompactRange()
    store.put_nodes(compact.extend(leaf_hash(data) for data in LEAVES[:size]))
    checkpoint = sign_checkpoint(Checkpoint(ORIGIN, size, compact.root()), key)
    return ProofBundle(f"person:p{n}", filed(n), n + 1, n, LEAVES[n],
                       tuple(inclusion_proof(store, n, size)), checkpoint)


def test_a_bundle_for_every_line_verifies_with_the_public_key_alone():
    for n in range(len(LEAVES)):
        checkpoint = verify_bundle(bundle_for(n), [KEY.verifier], origin=ORIGIN)
        assert (checkpoint.origin, checkpoint.size) == (ORIGIN, len(LEAVES))


def test_a_bundle_survives_its_json_unchanged():
    bundle = bundle_for(6)
    text = bundle.to_json()
    assert ProofBundle.from_json(text) == bundle
    obj = json.loads(text)
    assert obj["leaf_hash"] == leaf_hash(LEAVES[6]).hex()
    assert obj["filed"] == filed(6)
    assert len(obj["inclusion_proof"]) == 4


def test_a_line_shown_otherwise_than_filed_fails():
    bundle = replace(bundle_for(3), filed=filed(3).replace("Nº3", "No3"))
    with pytest.raises(ProofBundleError, match="records line 'person:p3' as filed otherwise"):
        verify_bundle(bundle, [KEY.verifier])


def test_another_line_claimed_for_the_leaf_fails():
    bundle = replace(bundle_for(3), line_id="person:p4", filed=filed(4))
    with pytest.raises(ProofBundleError, match="does not record line 'person:p4'"):
        verify_bundle(bundle, [KEY.verifier])


def test_a_back_dated_leaf_fails_its_inclusion_proof():
    bundle = bundle_for(3)
    forged = replace(bundle, leaf=bundle.leaf.replace(b"2021-03-22T09", b"2021-03-20T09"))
    with pytest.raises(ProofError, match="inclusion proof of leaf 3 does not lead to the root"):
        verify_bundle(forged, [KEY.verifier])


def test_a_leaf_claimed_at_another_position_fails():
    with pytest.raises(ProofBundleError, match="the event at position 4, not 5"):
        verify_bundle(replace(bundle_for(3), position=5), [KEY.verifier])


def test_a_leaf_moved_to_another_index_fails():
    with pytest.raises(ProofError):
        verify_bundle(replace(bundle_for(3), leaf_index=2), [KEY.verifier])


def test_a_changed_proof_hash_fails():
    bundle = bundle_for(8)
    proof = list(bundle.inclusion_proof)
    proof[1] = bytes([proof[1][0] ^ 1]) + proof[1][1:]
    with pytest.raises(ProofError):
        verify_bundle(replace(bundle, inclusion_proof=tuple(proof)), [KEY.verifier])


def test_a_bundle_signed_by_another_key_fails():
    with pytest.raises(NoteSignatureError, match="none of them a trusted key"):
        verify_bundle(bundle_for(2, key=SignerKey.generate(ORIGIN)), [KEY.verifier])


def test_a_bundle_of_another_ledger_fails():
    with pytest.raises(CheckpointError, match="not of 'ledger.example/uk'"):
        verify_bundle(bundle_for(2), [KEY.verifier], origin="ledger.example/uk")


def test_a_leaf_past_the_signed_tree_fails():
    bundle = bundle_for(2, size=3)
    with pytest.raises(ProofError, match="leaf 5 is not in a tree of 3 leaves"):
        verify_bundle(replace(bundle, leaf_index=5), [KEY.verifier])


def edited(change: dict[str, object], drop: str = "") -> str:
    obj = json.loads(bundle_for(1).to_json()) | change
    obj.pop(drop, None)
    return json.dumps(obj)


@pytest.mark.parametrize(("text", "message"), [
    ("[]", "its format is not 'sanctions-ledger proof v1'"),
    ("{", "not JSON"),
    (edited({"format": "v0"}), "its format is not"),
    (edited({}, drop="checkpoint"), "checkpoint is missing or not a string"),
    (edited({"position": "2"}), "position is missing or not an integer"),
    (edited({"leaf_index": True}), "leaf_index is missing or not an integer"),
    (edited({"extra": 1}), "unknown fields: extra"),
    (edited({"inclusion_proof": ["zz"]}), "inclusion_proof is not a list of hex hashes"),
    (edited({"leaf_hash": "00" * 32}), "leaf_hash is not the hash of the leaf"),
    (edited({"leaf": "\ud800"}), "leaf is not UTF-8 text"),
])
def test_a_malformed_bundle_names_what_is_wrong(text, message):
    with pytest.raises(ProofBundleError, match=message):
        ProofBundle.from_json(text)
