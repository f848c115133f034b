# `cpack -G DEB` in the build directory makes the Debian packages of what `cmake --install`
# installs (cmake/MeshcInstall.cmake), with prefix /usr:
#   meshc_<version>_<arch>.deb       component `meshc`: the compiler, libmeshrt, the DSL
#                                    (static library + headers) and the CMake package
#   meshc-cuda_<version>_<arch>.deb  component `cuda`: the CUDA plugin libmeshrt_cuda.so,
#                                    only where it is built
# The meshc package's Depends are computed by dpkg-shlibdeps from its ELF files (libMLIR,
# Open MPI, oneDNN, libgomp, libstdc++, ...), plus what it runs and what a user needs to build
# a model: g++ (meshc links with the system `c++`, the DSL is C++20) and openmpi-bin (mpirun).
# The plugin's cudart/cuBLAS/NCCL come from NVIDIA's CUDA toolkit, not from Debian packages,
# so dpkg-shlibdeps would fail on them: the plugin is a package of its own without shlibdeps
# (Depends: meshc of the same version); meshc runs on CPUs without it, and --device cuda says
# that the plugin is missing.
set(CPACK_PACKAGE_NAME meshc)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "compiler for hybrid data/model-parallel training programs (MLIR, MPI, oneDNN)")
set(CPACK_PACKAGE_DESCRIPTION
  "meshc compiles a model written in a C++ DSL with named dimensions, for a processor mesh\nand a layout, into one SPMD executable that every rank runs under mpirun.")
set(CPACK_PACKAGE_CONTACT "meshc maintainers <meshc@localhost>")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL meshc)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# DEBIAN/shlibs for libmeshrt, so that packages built against it get a Depends on meshc.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")

set(CPACK_DEBIAN_MESHC_PACKAGE_NAME meshc)
set(CPACK_DEBIAN_MESHC_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_MESHC_PACKAGE_DEPENDS "g++ (>= 4:12), openmpi-bin")
# meshc finds libLLVM through its RUNPATH /usr/lib/llvm-19/lib, where the library is a link
# that belongs to llvm-19-dev (no shlibs file): dpkg-shlibdeps then drops it without a word.
if(TARGET meshc)
  string(APPEND CPACK_DEBIAN_MESHC_PACKAGE_DEPENDS ", libllvm${LLVM_VERSION_MAJOR}")
endif()
set(CPACK_DEBIAN_MESHC_PACKAGE_RECOMMENDS "cmake (>= 3.21), ninja-build")
set(CPACK_COMPONENT_MESHC_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")

if(TARGET meshrt_cuda)
  list(APPEND CPACK_COMPONENTS_ALL cuda)
  set(CPACK_DEBIAN_CUDA_PACKAGE_NAME meshc-cuda)
  set(CPACK_DEBIAN_CUDA_PACKAGE_SHLIBDEPS OFF)
  set(CPACK_DEBIAN_CUDA_PACKAGE_DEPENDS "meshc (= ${PROJECT_VERSION})")
  set(CPACK_COMPONENT_CUDA_DESCRIPTION
    "The CUDA backend of meshc's runtime (--device cuda), a plugin loaded at run time.\nIt needs the CUDA runtime, cuBLAS and NCCL of an NVIDIA CUDA install (not Debian packages).")
endif()

include(CPack)
