"""What a benchmark ran on: CPU model and flags, cores, Python and library versions, date, command.

Absolute speeds do not travel between machines (the same benchmark ran 3.2x slower on one
2-core machine than on another), so every figure a script writes carries this record.
"""

from __future__ import annotations

import platform
import sys
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

#: CPU flags that change how fast int8 and fp32 kernels run.
_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "fma")
_LIBRARIES = ("onnxruntime", "torch", "transformers", "tokenizers", "bentoml", "numpy")


def _cpu() -> tuple[str, list[str]]:
    model, flags = platform.processor() or platform.machine(), set()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    return model, [f for f in _FLAGS if f in flags]


def machine_record() -> dict[str, Any]:
    """The machine and software a measurement was taken on."""
    from model.scorer import available_cores

    model, flags = _cpu()
    libraries = {}
    for name in _LIBRARIES:
        try:
            libraries[name] = version(name)
        except PackageNotFoundError:
            continue
    return {
        "cpu": model,
        "cpu_flags": flags,
        "cores": available_cores(),
        "python": platform.python_version(),
        "libraries": libraries,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *map(_portable, sys.argv[1:])]),
    }


def _portable(argument: str) -> str:
    """An absolute path as the reader would type it: relative to here, else its last part."""
    path = Path(argument)
    if not path.is_absolute():
        return argument
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return path.name
