"""``model pull``: download a ``.bentomodel``, check it, and only then add it to the store.

Every check runs on a private copy before the store is touched: the download lands in
a temporary directory, its SHA-256 is compared when one is given, BentoML unpacks it
into another temporary directory, and ``check_artifact`` validates the manifest, the
ONNX file's recorded hash and the tokenizer. A corrupt, truncated or wrong file is
refused with the reason and leaves the store as it was.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from model.artifact import ArtifactError
from model.download import DownloadError, download, verify_sha256

#: Largest model file accepted; the default int8 model is about 25 MB.
MAX_MODEL_BYTES = 2 * 1024**3


class PullError(Exception):
    """The model could not be downloaded or is not a valid headline-lens model; the store is unchanged."""


def pull(url: str, sha256: str | None = None, *, max_bytes: int = MAX_MODEL_BYTES, progress: bool = True) -> str:
    """Download a ``.bentomodel`` from ``url``, check it, import it; return its store tag.

    Raises ``PullError`` naming the problem; nothing is added to the store then.
    """
    from model import store
    from model.scorer import check_artifact

    with tempfile.TemporaryDirectory(prefix="headline-lens-pull-") as scratch:
        # The file name keeps the .bentomodel suffix: BentoML picks the archive format by it.
        local = Path(scratch) / "model.bentomodel"
        try:
            download(url, local, max_bytes=max_bytes, progress=progress)
            if sha256:
                verify_sha256(local, sha256)
        except DownloadError as exc:
            raise PullError(f"download refused: {exc}") from exc
        bentoml = store._bentoml()
        try:
            # Unpacked into a temporary directory of its own; the store is not involved yet.
            unpacked = bentoml.models.Model.import_from(str(local))
        except Exception as exc:  # tar, gzip, YAML and BentoML errors: all mean "not a model archive"
            raise PullError(f"not a BentoML model archive (corrupt or truncated?): {type(exc).__name__}: {exc}") from exc
        if unpacked.tag.name != store.MODEL_NAME:
            raise PullError(f"the archive holds model {str(unpacked.tag)!r}, not a {store.MODEL_NAME} model")
        try:
            manifest = check_artifact(unpacked.path)
            if manifest.version != unpacked.tag.version:
                raise ArtifactError(f"archive tag {unpacked.tag} does not match its manifest version {manifest.version}")
            return store.register(unpacked.path)
        except ArtifactError as exc:
            raise PullError(f"not a valid {store.MODEL_NAME} model: {exc}") from exc
