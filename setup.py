"""Build hook for the hpo wheel; the metadata is in pyproject.toml.

build_py builds libhpo.so.0 with the repository's Makefile
(``$MAKE -C <root> build/release/libhpo.so.0``; $MAKE defaults to make) and
copies it into the built package as hpo/libhpo.so.0, where hpo._core looks
first after $HPO_LIBRARY. $HPO_LIBRARY_PATH names a prebuilt library to bundle
instead (make is not run). The wheel is tagged py3-none-<platform>: the
binding is pure Python (ctypes) but the library it carries is not.

Everything the build writes stays under build/ (ignored by git): the library
(build/release), setuptools' build/lib and build/bdist.*, and the egg-info
(build/egg-info).
"""
import os
import shlex
import shutil
import subprocess

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py as _build_py
from setuptools.command.egg_info import egg_info as _egg_info

try:  # setuptools >= 70.1 carries bdist_wheel
    from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
except ImportError:  # older setuptools: the wheel package's
    from wheel.bdist_wheel import bdist_wheel as _bdist_wheel

ROOT = os.path.dirname(os.path.abspath(__file__))
SONAME = "libhpo.so.0"


def _library():
    """Path of the libhpo.so.0 to bundle: $HPO_LIBRARY_PATH, or built by make."""
    prebuilt = os.environ.get("HPO_LIBRARY_PATH")
    if prebuilt:
        if not os.path.isfile(prebuilt):
            raise SystemExit(f"HPO_LIBRARY_PATH={prebuilt}: no such file")
        return prebuilt
    make = shlex.split(os.environ.get("MAKE") or "make")
    cmd = make + ["-C", ROOT]
    if "-j" not in os.environ.get("MAKEFLAGS", ""):
        cmd.append(f"-j{os.cpu_count() or 1}")
    cmd.append(f"build/release/{SONAME}")
    print("hpo: " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    try:
        subprocess.check_call(cmd)
    except (OSError, subprocess.CalledProcessError) as e:
        raise SystemExit(f"hpo: building {SONAME} failed ({e}); install the build dependencies "
                         "(tools/install-deps.sh) or set HPO_LIBRARY_PATH to a prebuilt "
                         f"{SONAME}") from None
    return os.path.join(ROOT, "build", "release", SONAME)


class build_py(_build_py):
    def run(self):
        pkg_dir = os.path.join(self.build_lib, "hpo")
        if not self.editable_mode and os.path.isdir(pkg_dir):
            # build/lib outlives builds: drop modules since removed from python/hpo.
            shutil.rmtree(pkg_dir)
        super().run()
        lib = _library()
        if self.editable_mode:
            return  # hpo._core finds build/release/libhpo.so.0 from python/hpo
        self.mkpath(pkg_dir)
        self.copy_file(lib, os.path.join(pkg_dir, SONAME), preserve_mode=True)

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        if not self.editable_mode:
            outputs.append(os.path.join(self.build_lib, "hpo", SONAME))
        return outputs


class BinaryDistribution(Distribution):
    """Not pure: the wheel goes to platlib (no .data/purelib) with a platform tag."""

    def has_ext_modules(self):
        return True


class bdist_wheel(_bdist_wheel):
    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False  # the wheel carries a shared library

    def get_tag(self):
        _, _, plat = super().get_tag()
        return "py3", "none", plat  # ctypes: any Python 3, no ABI, one platform


class egg_info(_egg_info):
    def initialize_options(self):
        super().initialize_options()
        # Default python/hpo.egg-info would be seen by git; build/ is ignored.
        self.egg_base = os.path.relpath(os.path.join(ROOT, "build", "egg-info"))
        os.makedirs(self.egg_base, exist_ok=True)


setup(distclass=BinaryDistribution,
      cmdclass={"build_py": build_py, "bdist_wheel": bdist_wheel, "egg_info": egg_info})
