"""Build hook: compile the optional KLIC scanner ``wlr_geo/klic/_scan.pyx``.

The scanner speeds up reading KLIC deliveries (see ``benchmarks/bench_klic.py``); wlr_geo works
without it, with the same results. So a failed compile (no C compiler, say) only prints a
warning and the wheel is built as pure Python, unless ``WLR_GEO_REQUIRE_SCANNER=1`` (CI sets it)
turns the failure into an error. ``WLR_GEO_PURE_PYTHON=1`` skips the compile.

An editable install (``pip install -e .``) gets the module compiled next to its source, where
the editable import finds it; a normal wheel gets it from a temporary build directory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

_MODULE = "wlr_geo.io.klic._scan"
_SOURCE = Path("wlr_geo") / "io" / "klic" / "_scan.pyx"


def _compile(root: Path, out_dir: Path, temp_dir: Path) -> Path:
    """Cythonize and compile the scanner into ``out_dir``; the path of the built module."""
    import lxml
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    ext = Extension(_MODULE, [str(root / _SOURCE)], include_dirs=lxml.get_include())
    modules = cythonize([ext], quiet=True, build_dir=str(temp_dir),
                        compiler_directives={"language_level": 3})
    dist = Distribution({"name": "wlr_geo_scanner", "ext_modules": modules})
    dist.script_name = "hatch_build.py"
    cmd: Any = dist.get_command_obj("build_ext")
    cmd.build_lib = str(out_dir)
    cmd.build_temp = str(temp_dir)
    cmd.ensure_finalized()
    cmd.run()
    return Path(cmd.get_ext_fullpath(_MODULE))


class ScannerBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"
    _tmp: str | None = None

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        if os.environ.get("WLR_GEO_PURE_PYTHON", "") not in ("", "0"):
            self.app.display_info("wlr_geo: WLR_GEO_PURE_PYTHON is set; the KLIC scanner is not compiled")
            return
        root = Path(self.root)
        self._tmp = tempfile.mkdtemp(prefix="wlr_geo_scan_")
        tmp = Path(self._tmp)
        try:
            built = _compile(root, tmp / "lib", tmp / "temp")
            if version == "editable":
                shutil.copyfile(built, root / "wlr_geo" / "klic" / built.name)
            else:
                build_data["force_include"][str(built)] = f"wlr_geo/klic/{built.name}"
        except Exception as exc:
            if version == "editable":  # never leave an older build beside the source
                for stale in (root / "wlr_geo" / "klic").glob("_scan.*.so"):
                    stale.unlink()
            if os.environ.get("WLR_GEO_REQUIRE_SCANNER", "") not in ("", "0"):
                raise
            self.app.display_warning(
                f"wlr_geo: the compiled KLIC scanner was not built ({exc}); "
                "KLIC deliveries are read by the pure-Python code (same results, slower)"
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
