# Lit configuration for Kiln's FileCheck tests.
import os
import sys

import lit.formats
from lit.llvm import llvm_config

config.name = "Kiln"
# The internal shell: portable, and the only one newer lit versions support.
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".onnxtxt", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "tests", "lit")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]

llvm_config.use_default_substitutions()
# Kiln's tools first, then LLVM's (FileCheck, not, split-file), then the system's.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.kiln_tools_dir, append_path=True)
config.substitutions.append(("%kiln_lib", config.kiln_lib_dir))
config.substitutions.append(("%python", sys.executable))
llvm_config.add_tool_substitutions(["kiln-opt", "kilnc"], [config.kiln_tools_dir])
