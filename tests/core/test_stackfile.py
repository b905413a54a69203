"""core.stackfile: the one reader of cdk.tf.json says what is wrong with the file, naming it, the
same way for every caller (report, collector, gate context, ordering CLI, rehearsal)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.stackfile import STACK_FILE, StackFileError, SynthesizedStack, read_stack_document
from policies import ordering


def _stack(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "streamflix-x"
    folder.mkdir()
    (folder / STACK_FILE).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"streamflix-x/cdk.tf.json: not valid JSON"),
        ("[1, 2]", r"streamflix-x/cdk.tf.json: must hold a JSON object, not list"),
    ],
)
def test_a_bad_file_is_refused_naming_it(tmp_path: Path, text: str, message: str) -> None:
    folder = _stack(tmp_path, text)
    for given in (folder, folder / STACK_FILE):  # a synth dir or the file itself
        with pytest.raises(StackFileError, match=message):
            read_stack_document(given)
    with pytest.raises(StackFileError, match=message):
        SynthesizedStack.load(folder)


def test_a_missing_file_says_to_synthesize_first(tmp_path: Path) -> None:
    with pytest.raises(StackFileError, match=r"^empty/cdk.tf.json: not found; synthesize first$"):
        SynthesizedStack.load(tmp_path / "empty")


def test_a_good_file_reads_as_its_object(tmp_path: Path) -> None:
    folder = _stack(tmp_path, '{"resource": {"aws_sqs_queue": {"q": {"name": "q-x"}}}}')
    stack = SynthesizedStack.load(folder)
    assert [r.address for r in stack.resources()] == ["aws_sqs_queue.q"]
    assert read_stack_document(folder) == stack.data


def test_the_ordering_cli_reports_an_unreadable_stack_as_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ordering.main([str(_stack(tmp_path, "{not json"))]) == 2
    assert "error: streamflix-x/cdk.tf.json: not valid JSON" in capsys.readouterr().err
