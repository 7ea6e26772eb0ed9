"""Build hook: the wheel carries the demo sample and the built dashboard.

Everything else is in pyproject.toml. ``examples/`` (the demo sample, agreements and claims)
lives at the top of the source tree, where the docs and tests use it; this copies it into the
built package as ``ceasefire/examples``, where ``ceasefire demo`` finds it after a wheel
install (services/demo.py). The dashboard bundle (``src/ceasefire/web/static/build``, made by
``npm run build`` in ``web/dashboard``: install.sh) is package data; a build without it
warns, and the installed server then answers ``/`` with "dashboard not built".
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithExamples(build_py):
    def run(self) -> None:
        super().run()
        examples = ROOT / "examples"
        target = Path(self.build_lib) / "ceasefire" / "examples"
        if examples.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(examples, target,
                            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        bundle = ROOT / "src" / "ceasefire" / "web" / "static" / "build" / "app.js"
        if not bundle.is_file():
            self.warn("the dashboard is not built (cd web/dashboard && npm ci && npm run "
                      "build): this wheel will serve no dashboard")


setup(cmdclass={"build_py": BuildWithExamples})
