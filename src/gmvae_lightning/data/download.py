"""Fetch dataset files from public mirrors, verified by sha256."""

import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from gmvae_lightning.errors import UserError


def sha256sum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, sha256: str) -> None:
    """Raise a ``UserError`` when ``path`` is not the published file."""
    actual = sha256sum(path)
    if actual != sha256:
        raise UserError(
            f"{path} does not match its published checksum (sha256 {actual}, expected {sha256}); "
            "the file is corrupted or a different version. Delete it and download it again."
        )


def download(
    filename: str, folder: Path, mirrors: Sequence[str], sha256: str, timeout: float = 30.0
) -> Path:
    """Try each mirror in turn; keep the file only when its checksum matches.

    Returns the path of the verified file. Raises ``UserError`` if no mirror served a good copy.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / filename
    problems = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + filename
        partial = target.with_suffix(target.suffix + ".part")
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                partial.write_bytes(response.read())
            verify(partial, sha256)
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            problems.append(f"{url}: {getattr(error, 'reason', error)}")
            partial.unlink(missing_ok=True)
            continue
        except UserError:
            problems.append(f"{url}: served a file whose sha256 does not match")
            partial.unlink(missing_ok=True)
            continue
        os.replace(partial, target)
        return target
    raise UserError(f"could not download {filename}: " + "; ".join(problems))


def fetch_missing(
    folder: Path,
    names: Sequence[str],
    checksums: dict[str, str],
    mirrors: Sequence[str],
    allowed: bool,
) -> str | None:
    """Download each of ``names``; ``None`` when all arrived, else why some did not."""
    if not names:
        return None
    if not allowed:
        return "downloading is off (dataset.download=false)"
    problems = []
    for name in names:
        try:
            download(name, folder, mirrors, checksums[name])
        except UserError as error:
            problems.append(str(error))
    return " ".join(problems) or None
