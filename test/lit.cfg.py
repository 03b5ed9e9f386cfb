# -*- Python -*-
# lit configuration of the attn test suite: FileCheck tests of attn-opt and
# the other attn tools. Hardware-dependent tests are gated here by features
# (`ptxas`, `cuda`), never inside test bodies.

import os
import shutil

import lit.formats
from lit.llvm import llvm_config

config.name = "ATTN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.attn_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "fuzz",
                   "python", "Inputs", "FakeCuda"]

llvm_config.use_default_substitutions()  # FileCheck, not, count
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
# lit scrubs the environment; gpu-module-to-binary needs the CUDA toolkit path.
llvm_config.with_system_environment(["CUDA_HOME", "CUDA_ROOT", "CUDA_PATH"])

tool_dirs = [os.path.join(config.attn_obj_root, "bin"), config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["attn-opt", "attn-run", "attn-translate",
                                    "attn-capi-test"], tool_dirs)
config.substitutions.append(("%attn_src", config.attn_src_root))
config.substitutions.append(("%attn_obj", config.attn_obj_root))
config.substitutions.append(("%python", config.python_executable))

# ptxas validates generated PTX where the CUDA toolkit is installed; only the
# RUN lines that need it are gated (`%if ptxas %{ ... %}`), so the PTX and
# manifest checks run everywhere. `lit -Dptxas=0` runs the suite as on a
# machine without the toolkit.
ptxas = shutil.which("ptxas") or (
    "/usr/local/cuda/bin/ptxas" if os.path.exists("/usr/local/cuda/bin/ptxas") else None
)
if lit_config.params.get("ptxas", "1") == "0":
    ptxas = None
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# cuda: a usable CUDA device, as the attn runtime sees it (attn-run --probe).
import subprocess

try:
    probe = subprocess.run(
        [os.path.join(config.attn_obj_root, "bin", "attn-run"), "--probe"],
        capture_output=True, text=True, timeout=60,
    ).stdout
except (OSError, subprocess.SubprocessError) as e:
    probe = "cuda: no (%s)" % e
if probe.startswith("cuda: yes"):
    config.available_features.add("cuda")
elif os.environ.get("ATTN_REQUIRE_GPU", "") == "1":
    # As in test/python/gpu_env.py: on a GPU machine a missing device is an
    # error, not a silently unsupported `REQUIRES: cuda` test.
    lit_config.fatal("ATTN_REQUIRE_GPU=1 but " + probe.strip())
lit_config.note(probe.strip())
