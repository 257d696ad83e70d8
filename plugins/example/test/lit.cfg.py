# Lit configuration for a Kiln pass plugin's tests (kiln_add_plugin_lit_test passes the
# parameters: kiln_tools_dir, llvm_tools_dir, plugin, exec_root).
import os

import lit.formats

params = lit_config.params
config.name = "kiln-example"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
config.excludes = ["lit.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = params["exec_root"]
config.environment["PATH"] = os.pathsep.join(
    [params["kiln_tools_dir"], params["llvm_tools_dir"], os.environ.get("PATH", "")])
config.substitutions.append(("%plugin", params["plugin"]))
