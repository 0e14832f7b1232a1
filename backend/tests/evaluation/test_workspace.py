"""Where an evaluation runs (evaluation/workspace.py)."""

from chatgepeto.evaluation.workspace import retrieval_services


def test_course_evaluations_of_one_model_on_two_backends_get_two_folders(tmp_path, monkeypatch):
    # `make eval` runs `eval docs` for minilm on onnx-int8, then on torch: a shared folder had
    # its PDFs reused by the torch run, which had no vectors of its own (dense hit@5 0).
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    folders = []
    for backend in ("onnx-int8", "torch"):
        monkeypatch.setenv("EMBEDDING_BACKEND", backend)
        svc = retrieval_services("docs", None, "minilm")
        folders.append(svc.settings.storage.data_dir)
        svc.close()
    assert folders == [
        tmp_path / "eval" / "docs-minilm-onnx-int8",
        tmp_path / "eval" / "docs-minilm-torch",
    ]
