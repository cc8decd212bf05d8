"""Signed notes and keys interoperate with Go's golang.org/x/mod/sumdb/note.

The keys, the note text and its signatures are the published vectors of
golang/mod ``sumdb/note/note_test.go`` (PeterNeumann and EnochRoot); only
the values are copied.
"""

from __future__ import annotations

import stat

import pytest

from ledger.errors import LedgerError
from ledger.store.notes import (
    NoteError,
    NoteSignatureError,
    SignerKey,
    VerifierKey,
    open_note,
    read_signer_key,
    read_verifier_key,
    sign_note,
    write_key_pair,
)

PETER_PUBLIC = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_PRIVATE = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_PUBLIC = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = ("If you think cryptography is the answer to your problem,\n"
        "then you don't know what your problem is.\n")
PETER_SIG = ("— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZS"
             "NXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
ENOCH_SIG = ("— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG"
             "01oOTGwnWLox33WWd1RvMc+QQ=\n")
PETER, ENOCH = VerifierKey.parse(PETER_PUBLIC), VerifierKey.parse(ENOCH_PUBLIC)


def test_keys_read_and_write_in_gos_text_forms():
    signer = SignerKey.parse(PETER_PRIVATE)
    assert signer.text() == PETER_PRIVATE
    assert signer.verifier == PETER
    assert PETER.text() == PETER_PUBLIC
    assert PETER.key_id.hex() == "c74f20a3"


def test_signing_gives_the_note_gos_signer_gives():
    assert sign_note(TEXT, SignerKey.parse(PETER_PRIVATE)) == TEXT + "\n" + PETER_SIG


def test_a_note_opens_with_the_signatures_of_trusted_keys_and_ignores_the_others():
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert open_note(note, [PETER]).signed_by == ("PeterNeumann",)
    assert open_note(note, [PETER, ENOCH]).signed_by == ("PeterNeumann", "EnochRoot")
    assert open_note(note.encode(), [ENOCH]).text == TEXT


def test_a_note_without_a_trusted_signature_is_refused_naming_signers_and_keys():
    with pytest.raises(NoteSignatureError, match=r"^the note is signed by EnochRoot\+af0cfe78, "
                       r"PeterNeumann\+c74f20a3, none of them a trusted key \(none\)$"):
        open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [])


def test_a_key_of_the_same_name_but_another_id_is_not_trusted():
    impostor = SignerKey.generate("PeterNeumann")
    with pytest.raises(NoteSignatureError, match="none of them a trusted key"):
        open_note(TEXT + "\n" + PETER_SIG, [impostor.verifier])


def test_a_changed_text_or_signature_is_refused_as_changed_or_forged():
    message = r"the signature by PeterNeumann\+c74f20a3 does not verify"
    with pytest.raises(NoteSignatureError, match=message):
        open_note(TEXT.replace("think", "thinks") + "\n" + PETER_SIG, [PETER])
    with pytest.raises(NoteSignatureError, match=message):
        open_note(TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:], [PETER])


@pytest.mark.parametrize("note", [
    TEXT,
    TEXT + "\n",
    TEXT + "\n" + PETER_SIG[:-1],
    "\x01" + TEXT + "\n" + PETER_SIG,
    TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name"),
    TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
    TEXT + "\n" + PETER_SIG * 101,
])
def test_malformed_notes_are_refused(note):
    with pytest.raises(NoteError):
        open_note(note, [PETER])


def test_a_note_that_is_not_utf8_is_refused_as_such():
    with pytest.raises(NoteError, match="not UTF-8"):
        open_note(b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), [PETER])


def test_every_cut_or_changed_public_key_is_refused():
    for start in range(len(PETER_PUBLIC)):
        for end in range(start + 1, len(PETER_PUBLIC) + 1):
            if (start, end) != (0, len(PETER_PUBLIC)):
                with pytest.raises(NoteError):
                    VerifierKey.parse(PETER_PUBLIC[start:end])
    for i, char in enumerate(PETER_PUBLIC):
        with pytest.raises(NoteError):
            VerifierKey.parse(PETER_PUBLIC[:i] + chr(ord(char) + 1) + PETER_PUBLIC[i + 1:])


@pytest.mark.parametrize(("key", "message"), [
    ("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
     "not 32 bytes long"),
    ("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "not an Ed25519 key"),
    ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
     "id c74f20a4 does not match its name and key"),
])
def test_a_public_key_error_says_what_is_wrong(key, message):
    with pytest.raises(NoteError, match=message):
        VerifierKey.parse(key)


def test_every_changed_private_key_is_refused():
    for i, char in enumerate(PETER_PRIVATE):
        with pytest.raises(NoteError):
            SignerKey.parse(PETER_PRIVATE[:i] + chr(ord(char) + 1) + PETER_PRIVATE[i + 1:])


def test_a_generated_key_pair_is_written_private_and_public_and_signs_what_it_verifies(tmp_path):
    signer = SignerKey.generate("ledger.example/eu-sanctions")
    public = write_key_pair(tmp_path / "KEY", signer)
    assert stat.S_IMODE((tmp_path / "KEY").stat().st_mode) == 0o600
    assert public == tmp_path / "KEY.pub"
    note = sign_note("hello\n", read_signer_key(tmp_path / "KEY"))
    assert open_note(note, [read_verifier_key(public)]).signed_by == (signer.name,)
    assert "PRIVATE" not in public.read_text()


def test_a_key_is_never_written_over_another(tmp_path):
    write_key_pair(tmp_path / "KEY", SignerKey.generate("a"))
    before = (tmp_path / "KEY").read_text()
    with pytest.raises(NoteError, match="KEY exists: a key is never written over another"):
        write_key_pair(tmp_path / "KEY", SignerKey.generate("a"))
    assert (tmp_path / "KEY").read_text() == before


def test_a_private_key_others_can_read_is_refused(tmp_path):
    write_key_pair(tmp_path / "KEY", SignerKey.generate("a"))
    (tmp_path / "KEY").chmod(0o644)
    with pytest.raises(NoteError, match=r"can be read by others \(mode 0644\): chmod 600"):
        read_signer_key(tmp_path / "KEY")


def test_a_key_that_cannot_be_written_is_one_ledger_error_and_leaves_nothing(tmp_path):
    with pytest.raises(LedgerError, match="cannot write the key file .*KEY: No such file"):
        write_key_pair(tmp_path / "absent" / "KEY", SignerKey.generate("a"))
    longest = "K" * 252  # KEY is written, KEY.pub is a name too long for the file system
    with pytest.raises(LedgerError, match="cannot write the key file .*pub: File name too long"):
        write_key_pair(tmp_path / longest, SignerKey.generate("a"))
    assert list(tmp_path.iterdir()) == []


def test_a_missing_key_file_is_one_ledger_error(tmp_path):
    with pytest.raises(LedgerError, match="cannot read the key file .*nope.pub: No such file"):
        read_verifier_key(tmp_path / "nope.pub")


@pytest.mark.parametrize("name", ["", "a b", "a+b", "tab\there"])
def test_a_key_cannot_be_named_with_spaces_or_plus(name):
    with pytest.raises(NoteError, match="cannot name a key"):
        SignerKey.generate(name)
