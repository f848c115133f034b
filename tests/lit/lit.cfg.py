# lit configuration for the IR tests of meshc (FileCheck, -verify-diagnostics).
import os
import lit.formats

config.name = "meshc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.meshc_binary_dir, "tests", "lit")
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt"]

tool_dirs = [config.meshc_tools_dir, config.llvm_tools_dir]
config.environment["PATH"] = os.pathsep.join(tool_dirs + [config.environment.get("PATH", os.environ.get("PATH", ""))])

# Where the build puts the tools and libmeshrt (the driver's runtime lookup is tested on copies).
config.substitutions.append(("%meshc_bin_dir", config.meshc_tools_dir))
config.substitutions.append(("%meshc_lib_dir", os.path.join(config.meshc_binary_dir, "lib")))
